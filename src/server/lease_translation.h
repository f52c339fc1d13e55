// Translation of etcd's lease messages between the wire (etcdserverpb) and the store's structs
// (kv/request.h, kv/response.h). Like kv_translation.h: ToProto fills everything but the
// header's cluster id, member id and raft term (FillHeader in kv_service.h).
// Pure functions; thread-safe.
#pragma once

#include <absl/status/statusor.h>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "kv/request.h"
#include "kv/response.h"

namespace keel::server {

absl::StatusOr<kv::LeaseCheckpointRequest> FromProto(
    const etcdserverpb::LeaseCheckpointRequest& request);
etcdserverpb::LeaseCheckpointRequest ToProto(const std::vector<kv::LeaseCheckpoint>& checkpoints);

void ToProto(const kv::LeaseGrantResponse& response, etcdserverpb::LeaseGrantResponse* out);
void ToProto(const kv::LeaseRevokeResponse& response, etcdserverpb::LeaseRevokeResponse* out);

}  // namespace keel::server
