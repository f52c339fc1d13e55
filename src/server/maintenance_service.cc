#include "server/maintenance_service.h"

#include "server/kv_service.h"

namespace keel::server {

grpc::Status MaintenanceService::Status(grpc::ServerContext* /*context*/,
                                        const etcdserverpb::StatusRequest* /*request*/,
                                        etcdserverpb::StatusResponse* response) {
    const NodeView view = node_.View();
    const auto db_bytes = static_cast<int64_t>(node_.DbSizeBytes());
    FillHeader(node_, response->mutable_header());
    response->mutable_header()->set_revision(static_cast<int64_t>(node_.revision().value()));
    response->set_version(kServerVersion);
    response->set_dbsize(db_bytes);
    response->set_dbsizeinuse(db_bytes);
    response->set_leader(view.leader.value());
    response->set_raftindex(view.commit.value());
    response->set_raftterm(view.term.value());
    response->set_raftappliedindex(view.applied.value());
    response->set_islearner(false);
    return grpc::Status::OK;
}

}  // namespace keel::server
