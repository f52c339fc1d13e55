// Translation between etcd's wire messages (etcdserverpb, mvccpb) and the MVCC store's plain
// structs (kv/request.h, kv/response.h), with the validation etcd's API layer does before a
// request is ordered.
//
// Requests: FromProto validates client input and returns InvalidArgument with etcd's message
// (an empty key is "etcdserver: key is not provided"; an enum value outside etcd's range is
// named). Negative revisions mean "current" or "no bound" as in etcd and become 0. Txns may
// nest at most kv::kTxnDepthMax deep.
// Responses: ToProto fills everything but the header's cluster id, member id and raft term,
// which belong to the server (FillHeader in kv_service.h).
// Pure functions; thread-safe.
#pragma once

#include <absl/status/statusor.h>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "etcd/mvccpb/kv.pb.h"
#include "kv/request.h"
#include "kv/response.h"

namespace keel::server {

namespace pb = ::etcdserverpb;

// ---- Requests: wire -> store. ----
absl::StatusOr<kv::RangeRequest> FromProto(const pb::RangeRequest& request);
absl::StatusOr<kv::PutRequest> FromProto(const pb::PutRequest& request);
absl::StatusOr<kv::DeleteRangeRequest> FromProto(const pb::DeleteRangeRequest& request);
absl::StatusOr<kv::TxnRequest> FromProto(const pb::TxnRequest& request);
absl::StatusOr<kv::CompactionRequest> FromProto(const pb::CompactionRequest& request);
absl::StatusOr<kv::LeaseGrantRequest> FromProto(const pb::LeaseGrantRequest& request);
absl::StatusOr<kv::LeaseRevokeRequest> FromProto(const pb::LeaseRevokeRequest& request);

// ---- Responses: store -> wire. ----
void ToProto(const kv::KeyValue& kv, mvccpb::KeyValue* out);
void ToProto(const kv::RangeResponse& response, pb::RangeResponse* out);
void ToProto(const kv::PutResponse& response, pb::PutResponse* out);
void ToProto(const kv::DeleteRangeResponse& response, pb::DeleteRangeResponse* out);
void ToProto(const kv::TxnResponse& response, pb::TxnResponse* out);
void ToProto(const kv::CompactionResponse& response, pb::CompactionResponse* out);

}  // namespace keel::server
