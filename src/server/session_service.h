// SessionService: keel.v1.Session (proto/keel/v1/session.proto; docs/sessions.md), the
// client sessions of exactly-once writes (issue #5).
//
// Each call proposes one Command (register_client, session_keep_alive, session_close) and
// answers with what the state machine applied (command_applier.cc, session_table.h). Only the
// leader serves the calls: a follower answers UNAVAILABLE with etcd's "not leader" message
// (no forwarding yet), and the client retries at another member.
//
// Threading: gRPC's sync server calls the handlers on its threads; no mutable state.
#pragma once

#include <grpcpp/grpcpp.h>

#include "keel/v1/session.grpc.pb.h"
#include "server/raft_node.h"

namespace keel::server {

class SessionService final : public keel::v1::Session::Service {
public:
    explicit SessionService(RaftNode& node) : node_(node) {}

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

    RaftNode& node_;
};

}  // namespace keel::server
