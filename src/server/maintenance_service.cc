#include "server/maintenance_service.h"

#include <algorithm>

#include "server/backup_file.h"
#include "server/grpc_status.h"
#include "server/kv_service.h"
#include "server/membership.h"
#include "server/move_leader.h"

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
    response->set_islearner(view.is_learner);
    return grpc::Status::OK;
}

grpc::Status MaintenanceService::Hash(grpc::ServerContext* /*context*/,
                                      const etcdserverpb::HashRequest* /*request*/,
                                      etcdserverpb::HashResponse* response) {
    const kv::StoreHash hash = node_.HashAll();
    FillHeader(node_, response->mutable_header());
    response->mutable_header()->set_revision(static_cast<int64_t>(hash.revision.value()));
    response->set_hash(hash.hash);
    return grpc::Status::OK;
}

grpc::Status MaintenanceService::HashKV(grpc::ServerContext* /*context*/,
                                        const etcdserverpb::HashKVRequest* request,
                                        etcdserverpb::HashKVResponse* response) {
    // etcd reads a revision <= 0 as "the current one".
    const int64_t revision = std::max<int64_t>(request->revision(), 0);
    const absl::StatusOr<kv::HashKvResponse> hash =
        node_.HashKv(Revision(static_cast<uint64_t>(revision)));
    if (!hash.ok()) {
        return ToGrpcStatus(hash.status());
    }
    FillHeader(node_, response->mutable_header());
    response->mutable_header()->set_revision(static_cast<int64_t>(hash->header.revision.value()));
    response->set_hash(hash->hash);
    response->set_compact_revision(static_cast<int64_t>(hash->compact_revision.value()));
    return grpc::Status::OK;
}

grpc::Status MaintenanceService::Defragment(grpc::ServerContext* /*context*/,
                                            const etcdserverpb::DefragmentRequest* /*request*/,
                                            etcdserverpb::DefragmentResponse* /*response*/) {
    // etcd 3.4 answers a defragmentation with an empty response (no header).
    return ToGrpcStatus(node_.Defragment());
}

grpc::Status MaintenanceService::Snapshot(
    grpc::ServerContext* context,
    const etcdserverpb::SnapshotRequest* /*request*/,
    grpc::ServerWriter<etcdserverpb::SnapshotResponse>* writer) {
    absl::StatusOr<std::string> archive = node_.BackupArchive();
    if (!archive.ok()) {
        return ToGrpcStatus(archive.status());
    }
    archive = SealBackup(*std::move(archive));
    etcdserverpb::ResponseHeader header;
    FillHeader(node_, &header);
    size_t offset = 0;
    do {
        if (context->IsCancelled()) {
            return grpc::Status(grpc::StatusCode::CANCELLED, "context canceled");
        }
        const size_t n = std::min(kSnapshotBlobBytesMax, archive->size() - offset);
        etcdserverpb::SnapshotResponse response;
        *response.mutable_header() = header;
        response.set_blob(archive->substr(offset, n));
        offset += n;
        response.set_remaining_bytes(archive->size() - offset);
        if (!writer->Write(response)) {
            return grpc::Status(grpc::StatusCode::UNAVAILABLE, "snapshot stream broken");
        }
    } while (offset < archive->size());
    return grpc::Status::OK;
}

grpc::Status MaintenanceService::MoveLeader(grpc::ServerContext* context,
                                            const etcdserverpb::MoveLeaderRequest* request,
                                            etcdserverpb::MoveLeaderResponse* response) {
    return server::MoveLeader(node_, *context, *request, response);
}

}  // namespace keel::server
