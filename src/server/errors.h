// The expected failures of keeld's request path (above the state machine), as absl::Status
// values with the codes and messages etcd's server returns, so that etcd clients react to them
// as they do to etcd (clientv3 retries reads on UNAVAILABLE, and fails over between endpoints).
// State-machine errors (compacted, duplicate key, ...) live in kv/errors.h.
#pragma once

#include <absl/status/status.h>

namespace keel::server {

// InvalidArgument: the request exceeds base::kRequestBytesMax (etcd's ErrRequestTooLarge).
absl::Status RequestTooLargeError();
// Unavailable: no leader is known, so the request cannot be ordered (ErrNoLeader).
absl::Status NoLeaderError();
// Unavailable: this member is not the leader and could not forward the request.
absl::Status NotLeaderError();
// Unavailable: the entry proposed for this request was replaced by another leader's entry.
// The request did not apply at that index; it may still have been applied elsewhere if the
// client retried it (ErrLeaderChanged).
absl::Status LeaderChangedError();
// Unavailable: the request was not applied within the server's time limit; it may or may
// not apply later (ErrTimeout).
absl::Status RequestTimeoutError();
// ResourceExhausted: the proposal queue is full (ErrTooManyRequests).
absl::Status TooManyRequestsError();
// Unavailable: the server is shutting down (ErrStopped).
absl::Status StoppedError();
// ResourceExhausted: this member's WAL disk is full; it accepts no writes (and serves only
// serializable reads) until space is freed. keel's own error: etcd crashes instead.
absl::Status DiskFullError();

// True for NotLeaderError(): the caller may forward the request to the leader.
bool IsNotLeader(const absl::Status& status);

}  // namespace keel::server
