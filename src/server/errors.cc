#include "server/errors.h"

namespace keel::server {
namespace {

constexpr char kNotLeaderMessage[] = "etcdserver: not leader";

}  // namespace

absl::Status RequestTooLargeError() {
    return absl::InvalidArgumentError("etcdserver: request is too large");
}

absl::Status NoLeaderError() {
    return absl::UnavailableError("etcdserver: no leader");
}

absl::Status NotLeaderError() {
    return absl::UnavailableError(kNotLeaderMessage);
}

absl::Status LeaderChangedError() {
    return absl::UnavailableError("etcdserver: leader changed");
}

absl::Status RequestTimeoutError() {
    return absl::UnavailableError("etcdserver: request timed out");
}

absl::Status TooManyRequestsError() {
    return absl::ResourceExhaustedError("etcdserver: too many requests");
}

absl::Status StoppedError() {
    return absl::UnavailableError("etcdserver: server stopped");
}

absl::Status DiskFullError() {
    return absl::ResourceExhaustedError(
        "keel: this member's WAL disk is full: it is read-only until space is freed");
}

bool IsNotLeader(const absl::Status& status) {
    return status.code() == absl::StatusCode::kUnavailable && status.message() == kNotLeaderMessage;
}

}  // namespace keel::server
