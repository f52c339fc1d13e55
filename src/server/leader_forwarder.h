// LeaderForwarder: sends a client's write to the leader when it reached a follower.
//
// Raft orders writes at the leader. A follower that receives Put/DeleteRange/Txn/Compact
// forwards the request, unchanged, to the leader's KV service, which every member also serves
// on its peer address (server.h), and relays the answer. etcdctl users may therefore name any
// member: etcd's clientv3 does not retry a write that failed with UNAVAILABLE, so answering
// "not leader" would fail the command.
//
// A forwarded call carries the metadata kForwardedHeader; the receiver never forwards it
// again (no forwarding loops while leadership moves: it answers NotLeaderError() instead).
// The forwarded call's deadline is the client's, capped by kRequestTimeoutDefault, and it is
// cancelled when the client's call is.
//
// Threading: thread-safe; channels are created on first use and kept.
// Invariant: a request crosses at most one forwarding hop.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "keel/v1/session.grpc.pb.h"
#include "server/cluster_config.h"
#include "server/pending_requests.h"

namespace keel::server {

inline constexpr char kForwardedHeader[] = "keel-forwarded";

// True if the call was forwarded by another member.
bool IsForwarded(const grpc::ServerContextBase& context);

class LeaderForwarder {
public:
    // `peer_address` names a member's peer address (host:port), from the applied membership.
    using PeerAddressFn = std::function<std::optional<std::string>(NodeId)>;

    explicit LeaderForwarder(PeerAddressFn peer_address) : peer_address_(std::move(peer_address)) {}

    // The KV stub of `leader`'s peer address, or nullptr for an unknown member.
    etcdserverpb::KV::Stub* StubFor(NodeId leader);
    // The Lease stub of `leader`'s peer address (grants, revokes, keepalives and TTL queries
    // are answered by the leader's lessor), or nullptr for an unknown member.
    etcdserverpb::Lease::Stub* LeaseStubFor(NodeId leader);
    // The keel.v1.Session stub of `leader`'s peer address (session registrations, keepalives
    // and closes are log entries), or nullptr for an unknown member.
    keel::v1::Session::Stub* SessionStubFor(NodeId leader);

    // A client context for forwarding the call `server_context` (deadline, cancellation,
    // the forwarded marker).
    static std::unique_ptr<grpc::ClientContext> ForwardContext(
        const grpc::ServerContextBase& server_context, Deadline deadline);

private:
    const PeerAddressFn peer_address_;
    std::mutex mu_;
    // By address, so that a member whose peer URL changed gets a new channel.
    std::map<std::string, std::unique_ptr<etcdserverpb::KV::Stub>> stubs_;  // guarded by mu_
    std::map<std::string, std::unique_ptr<etcdserverpb::Lease::Stub>> lease_stubs_;  // ditto
    std::map<std::string, std::unique_ptr<keel::v1::Session::Stub>> session_stubs_;  // ditto
};

}  // namespace keel::server
