// etcd's errors for membership requests (etcdserver/api/v3rpc/rpctypes), with the same gRPC
// codes and messages, so that etcdctl prints what it prints against etcd.
#pragma once

#include <absl/status/status.h>

namespace keel::server {

// NotFound "etcdserver: member not found" (also for a removed id, as etcd maps ErrIDRemoved).
absl::Status MemberNotFoundError();
// FailedPrecondition "etcdserver: member ID already exist".
absl::Status MemberExistsError();
// FailedPrecondition "etcdserver: Peer URLs already exists".
absl::Status PeerUrlExistsError();
// InvalidArgument "etcdserver: given member URLs are invalid".
absl::Status MemberBadUrlsError();
// FailedPrecondition "etcdserver: can only promote a learner member".
absl::Status MemberNotLearnerError();
// FailedPrecondition "etcdserver: can only promote a learner member which is in sync with
// leader".
absl::Status LearnerNotReadyError();
// FailedPrecondition "etcdserver: too many learner members in cluster".
absl::Status TooManyLearnersError();
// FailedPrecondition "etcdserver: bad leader transferee".
absl::Status BadLeaderTransfereeError();
// Unavailable "etcdserver: request timed out, leader transfer took too long".
absl::Status LeaderTransferTimeoutError();
// Unavailable "etcdserver: the member has been permanently removed from the cluster" (a
// removed member refuses requests until it exits).
absl::Status MemberRemovedError();

}  // namespace keel::server
