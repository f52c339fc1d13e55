#include "server/move_leader.h"

#include "server/grpc_status.h"
#include "server/kv_service.h"

namespace keel::server {

grpc::Status MoveLeader(RaftNode& node,
                        const grpc::ServerContext& context,
                        const etcdserverpb::MoveLeaderRequest& request,
                        etcdserverpb::MoveLeaderResponse* response) {
    const absl::Status moved =
        node.TransferLeadership(NodeId(request.targetid()), RequestDeadline(context));
    if (!moved.ok()) {
        return ToGrpcStatus(moved);
    }
    FillHeader(node, response->mutable_header());
    response->mutable_header()->set_revision(static_cast<int64_t>(node.revision().value()));
    return grpc::Status::OK;
}

}  // namespace keel::server
