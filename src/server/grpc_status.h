// absl::Status -> grpc::Status at the edge of keeld's gRPC services.
//
// absl::StatusCode and grpc::StatusCode share their numeric values (both are the canonical
// Google codes), so the code maps one to one. Messages pass unchanged: keel's layers already
// use etcd's wording ("etcdserver: ..."), which is what etcd clients match on. An Internal
// error from a lower layer (RocksDB, the WAL) keeps its code and gets an "etcdserver: "
// prefix so clients see one consistent vocabulary.
// Pure functions; thread-safe.
#pragma once

#include <absl/status/status.h>
#include <grpcpp/support/status.h>

namespace keel::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for a forwarded request's answer.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace keel::server
