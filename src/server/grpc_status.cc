#include "server/grpc_status.h"

#include <string>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>

namespace keel::server {
namespace {

constexpr char kEtcdPrefix[] = "etcdserver: ";

// The codes are the same enumeration under two names; checked here for the ones keel uses.
static_assert(static_cast<int>(absl::StatusCode::kInvalidArgument)
              == static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
static_assert(static_cast<int>(absl::StatusCode::kOutOfRange)
              == static_cast<int>(grpc::StatusCode::OUT_OF_RANGE));
static_assert(static_cast<int>(absl::StatusCode::kUnavailable)
              == static_cast<int>(grpc::StatusCode::UNAVAILABLE));
static_assert(static_cast<int>(absl::StatusCode::kUnauthenticated)
              == static_cast<int>(grpc::StatusCode::UNAUTHENTICATED));

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
    if (status.ok()) {
        return grpc::Status::OK;
    }
    const auto code = static_cast<grpc::StatusCode>(status.code());
    std::string message(status.message());
    if (status.code() == absl::StatusCode::kInternal && !absl::StartsWith(message, kEtcdPrefix)) {
        message = absl::StrCat(kEtcdPrefix, message);
    }
    return grpc::Status(code, std::move(message));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
    if (status.ok()) {
        return absl::OkStatus();
    }
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace keel::server
