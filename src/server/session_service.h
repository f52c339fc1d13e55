// SessionService: keel.v1.Session (proto/keel/v1/session.proto; docs/sessions.md), the
// client sessions of exactly-once writes (issue #5).
//
// Each call proposes one Command (register_client, session_keep_alive, session_close) and
// answers with what the state machine applied (command_applier.cc, session_table.h). A
// follower forwards the call to the leader's Session service on the peer listener, as it
// forwards a Put (leader_forwarder.h), so a client need not name the leader; with no leader
// known it answers UNAVAILABLE and the client retries.
//
// Threading: gRPC's sync server calls the handlers on its threads; no mutable state.
#pragma once

#include <grpcpp/grpcpp.h>

#include "keel/v1/session.grpc.pb.h"
#include "server/leader_forwarder.h"
#include "server/raft_node.h"

namespace keel::server {

class SessionService final : public keel::v1::Session::Service {
public:
    SessionService(RaftNode& node, LeaderForwarder& forwarder)
        : node_(node), forwarder_(forwarder) {}

    grpc::Status RegisterClient(grpc::ServerContext* context,
                                const keel::v1::RegisterClientRequest* request,
                                keel::v1::RegisterClientResponse* response) override;
    grpc::Status KeepAlive(grpc::ServerContext* context,
                           const keel::v1::SessionKeepAliveRequest* request,
                           keel::v1::SessionKeepAliveResponse* response) override;
    grpc::Status Close(grpc::ServerContext* context,
                       const keel::v1::SessionCloseRequest* request,
                       keel::v1::SessionCloseResponse* response) override;

private:
    // Proposes `command`; on success fills `header` and returns the applied answer.
    absl::StatusOr<SessionOpResponse> Apply(grpc::ServerContext* context,
                                            keel::v1::Command command,
                                            etcdserverpb::ResponseHeader* header);

    // The leader's stub when this member is a follower that knows it and the call was not
    // forwarded already; nullptr to serve the call here.
    keel::v1::Session::Stub* ForwardStub(const grpc::ServerContext& context) const;

    RaftNode& node_;
    LeaderForwarder& forwarder_;
};

}  // namespace keel::server
