#include "kv/errors.h"

namespace keel::kv {
namespace {

constexpr char kCompactedMessage[] = "etcdserver: mvcc: required revision has been compacted";
constexpr char kFutureRevisionMessage[] =
    "etcdserver: mvcc: required revision is a future revision";

}  // namespace

absl::Status CompactedError() {
    return absl::OutOfRangeError(kCompactedMessage);
}

absl::Status FutureRevisionError() {
    return absl::OutOfRangeError(kFutureRevisionMessage);
}

absl::Status EmptyKeyError() {
    return absl::InvalidArgumentError("etcdserver: key is not provided");
}

absl::Status KeyNotFoundError() {
    return absl::InvalidArgumentError("etcdserver: key not found");
}

absl::Status ValueProvidedError() {
    return absl::InvalidArgumentError("etcdserver: value is provided");
}

absl::Status LeaseProvidedError() {
    return absl::InvalidArgumentError("etcdserver: lease is provided");
}

absl::Status DuplicateKeyError() {
    return absl::InvalidArgumentError("etcdserver: duplicate key given in txn request");
}

absl::Status TooManyOpsError() {
    return absl::InvalidArgumentError("etcdserver: too many operations in txn request");
}

absl::Status LeaseNotFoundError() {
    return absl::NotFoundError("etcdserver: requested lease not found");
}

absl::Status LeaseExistsError() {
    return absl::FailedPreconditionError("etcdserver: lease already exists");
}

absl::Status LeaseTtlTooLargeError() {
    return absl::OutOfRangeError("etcdserver: too large lease TTL");
}

bool IsCompacted(const absl::Status& status) {
    return status.code() == absl::StatusCode::kOutOfRange && status.message() == kCompactedMessage;
}

bool IsFutureRevision(const absl::Status& status) {
    return status.code() == absl::StatusCode::kOutOfRange
           && status.message() == kFutureRevisionMessage;
}

}  // namespace keel::kv
