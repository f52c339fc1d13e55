#include "server/lease_translation.h"

namespace keel::server {

absl::StatusOr<kv::LeaseCheckpointRequest> FromProto(
    const etcdserverpb::LeaseCheckpointRequest& request) {
    kv::LeaseCheckpointRequest out;
    out.checkpoints.reserve(static_cast<size_t>(request.checkpoints_size()));
    for (const etcdserverpb::LeaseCheckpoint& checkpoint : request.checkpoints()) {
        out.checkpoints.push_back(
            kv::LeaseCheckpoint{.id = LeaseId(static_cast<uint64_t>(checkpoint.id())),
                                .remaining_ttl = checkpoint.remaining_ttl()});
    }
    return out;
}

etcdserverpb::LeaseCheckpointRequest ToProto(const std::vector<kv::LeaseCheckpoint>& checkpoints) {
    etcdserverpb::LeaseCheckpointRequest out;
    for (const kv::LeaseCheckpoint& checkpoint : checkpoints) {
        etcdserverpb::LeaseCheckpoint* added = out.add_checkpoints();
        added->set_id(static_cast<int64_t>(checkpoint.id.value()));
        added->set_remaining_ttl(checkpoint.remaining_ttl);
    }
    return out;
}

void ToProto(const kv::LeaseGrantResponse& response, etcdserverpb::LeaseGrantResponse* out) {
    out->mutable_header()->set_revision(static_cast<int64_t>(response.header.revision.value()));
    out->set_id(static_cast<int64_t>(response.id.value()));
    out->set_ttl(response.ttl);
}

void ToProto(const kv::LeaseRevokeResponse& response, etcdserverpb::LeaseRevokeResponse* out) {
    out->mutable_header()->set_revision(static_cast<int64_t>(response.header.revision.value()));
}

}  // namespace keel::server
