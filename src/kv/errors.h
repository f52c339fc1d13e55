// The expected failures of the MVCC store, as absl::Status values whose codes and messages
// are the ones etcd returns over gRPC, so etcdctl users recognise them.
#pragma once

#include <absl/status/status.h>

namespace keel::kv {

// OutOfRange: reading below the compacted revision (etcd's ErrCompacted).
absl::Status CompactedError();
// OutOfRange: reading above the current revision (etcd's ErrFutureRev).
absl::Status FutureRevisionError();
// InvalidArgument: an empty key (etcd's ErrEmptyKey).
absl::Status EmptyKeyError();
// InvalidArgument: ignore_value/ignore_lease on a key that does not exist (ErrKeyNotFound).
absl::Status KeyNotFoundError();
// InvalidArgument: ignore_value together with a value (ErrValueProvided).
absl::Status ValueProvidedError();
// InvalidArgument: ignore_lease together with a lease (ErrLeaseProvided).
absl::Status LeaseProvidedError();
// InvalidArgument: one key written twice by a txn (ErrDuplicateKey).
absl::Status DuplicateKeyError();
// InvalidArgument: more operations in a txn list than allowed (ErrTooManyOps).
absl::Status TooManyOpsError();
// NotFound: a lease that does not exist (ErrLeaseNotFound).
absl::Status LeaseNotFoundError();
// FailedPrecondition: granting a lease id that exists (ErrLeaseExist).
absl::Status LeaseExistsError();
// OutOfRange: a lease TTL above kLeaseTtlSecondsMax (ErrLeaseTTLTooLarge).
absl::Status LeaseTtlTooLargeError();

// True if `status` is the compacted-revision error (watchers act on it: they must resync).
bool IsCompacted(const absl::Status& status);
// True if `status` is the future-revision error.
bool IsFutureRevision(const absl::Status& status);

}  // namespace keel::kv
