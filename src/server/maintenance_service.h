// MaintenanceService: the part of etcd's Maintenance service keeld implements so far, Status
// (what `etcdctl endpoint status` shows). The other methods answer UNIMPLEMENTED.
//
// Threading: gRPC threads; stateless apart from references.
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/raft_node.h"

namespace keel::server {

// The version keeld reports: the etcd API it implements, marked as keel's. A pre-release tag
// in semver terms, so a client gating features on "3.4" sees 3.4.
inline constexpr char kServerVersion[] = "3.4.23-keel";

class MaintenanceService final : public etcdserverpb::Maintenance::Service {
public:
    explicit MaintenanceService(RaftNode& node) : node_(node) {}

    // Leader, term, commit ("raftIndex", as etcd reports it), applied index and store size.
    grpc::Status Status(grpc::ServerContext* context,
                        const etcdserverpb::StatusRequest* request,
                        etcdserverpb::StatusResponse* response) override;

    // GET lists the raised alarms; ACTIVATE and DEACTIVATE change them through Raft (a
    // follower forwards to the leader). Defined in maintenance_alarm.cc.
    grpc::Status Alarm(grpc::ServerContext* context,
                       const etcdserverpb::AlarmRequest* request,
                       etcdserverpb::AlarmResponse* response) override;

private:
    RaftNode& node_;
};

}  // namespace keel::server
