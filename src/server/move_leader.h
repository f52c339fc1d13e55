// etcd's Maintenance.MoveLeader (`etcdctl move-leader`): hands leadership to another voting
// member (dissertation §3.10) and answers once it leads. Called by MaintenanceService.
// Errors (etcd's): "etcdserver: not leader" unless this member leads; "etcdserver: bad leader
// transferee" for an unknown member or a learner; "etcdserver: request timed out, leader
// transfer took too long".
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/raft_node.h"

namespace keel::server {

grpc::Status MoveLeader(RaftNode& node,
                        const grpc::ServerContext& context,
                        const etcdserverpb::MoveLeaderRequest& request,
                        etcdserverpb::MoveLeaderResponse* response);

}  // namespace keel::server
