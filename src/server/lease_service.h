// LeaseService: etcd's Lease gRPC service (LeaseGrant, LeaseRevoke, LeaseKeepAlive,
// LeaseTimeToLive, LeaseLeases) on a RaftNode.
//
// Grants and revokes are proposed through Raft (keel.v1.Command lease_grant/lease_revoke), like
// KV writes. A grant asking for less than the lessor's minimum TTL gets the minimum (etcd's
// rule), decided here so that apply stays a function of the log; a grant with ID 0 gets the
// next free id the store picks deterministically at apply. A grant or revoke that carries a
// client session's metadata executes at most once, like a sessioned Put (docs/sessions.md): its
// retransmission gets the first answer (the same lease id). Keepalives and remaining TTLs are
// the leader's business (its lessor holds the clocks): a follower forwards them, and grants and
// revokes, to the leader's Lease service on the peer listener (leader_forwarder.h), one
// keepalive stream to the leader per client stream.
//
// Errors are etcd's: "etcdserver: requested lease not found" (NOT_FOUND), "etcdserver: lease
// already exists" (FAILED_PRECONDITION), "etcdserver: too large lease TTL" (OUT_OF_RANGE). A
// keepalive for a lease that does not exist (or has expired) is answered with TTL 0, and
// TimeToLive of one with TTL -1, as etcd answers them.
//
// Threading: gRPC's sync server calls the handlers on its threads; the service holds no
// mutable state of its own (a keepalive stream's forwarding state lives on its handler's stack).
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/leader_forwarder.h"
#include "server/raft_node.h"

namespace keel::server {

class LeaseService final : public etcdserverpb::Lease::Service {
public:
    LeaseService(RaftNode& node, LeaderForwarder& forwarder) : node_(node), forwarder_(forwarder) {}

    grpc::Status LeaseGrant(grpc::ServerContext* context,
                            const etcdserverpb::LeaseGrantRequest* request,
                            etcdserverpb::LeaseGrantResponse* response) override;
    grpc::Status LeaseRevoke(grpc::ServerContext* context,
                             const etcdserverpb::LeaseRevokeRequest* request,
                             etcdserverpb::LeaseRevokeResponse* response) override;
    grpc::Status LeaseKeepAlive(
        grpc::ServerContext* context,
        grpc::ServerReaderWriter<etcdserverpb::LeaseKeepAliveResponse,
                                 etcdserverpb::LeaseKeepAliveRequest>* stream) override;
    grpc::Status LeaseTimeToLive(grpc::ServerContext* context,
                                 const etcdserverpb::LeaseTimeToLiveRequest* request,
                                 etcdserverpb::LeaseTimeToLiveResponse* response) override;
    grpc::Status LeaseLeases(grpc::ServerContext* context,
                             const etcdserverpb::LeaseLeasesRequest* request,
                             etcdserverpb::LeaseLeasesResponse* response) override;

private:
    struct KeepAliveForward;

    // The leader to forward to when this member is not it and the call was not forwarded
    // already; none when the call should be served here.
    NodeId ForwardTarget(const grpc::ServerContext& context) const;

    // One keepalive: renewed here on the leader, else forwarded over `forward`.
    absl::Status KeepAliveOnce(grpc::ServerContext& context,
                               const etcdserverpb::LeaseKeepAliveRequest& request,
                               etcdserverpb::LeaseKeepAliveResponse& response,
                               KeepAliveForward& forward);
    absl::Status RenewHere(const grpc::ServerContext& context,
                           const etcdserverpb::LeaseKeepAliveRequest& request,
                           etcdserverpb::LeaseKeepAliveResponse& response);

    // If `applied` is a session's cached answer (a retransmission), parses it into `response`,
    // fills the header and returns true.
    template <typename Response>
    bool ParseReplayed(const CommandResponse& applied, Response* response) const;

    RaftNode& node_;
    LeaderForwarder& forwarder_;
};

}  // namespace keel::server
