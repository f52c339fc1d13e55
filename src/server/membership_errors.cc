#include "server/membership_errors.h"

namespace keel::server {

absl::Status MemberNotFoundError() {
    return absl::NotFoundError("etcdserver: member not found");
}

absl::Status MemberExistsError() {
    return absl::FailedPreconditionError("etcdserver: member ID already exist");
}

absl::Status PeerUrlExistsError() {
    return absl::FailedPreconditionError("etcdserver: Peer URLs already exists");
}

absl::Status MemberBadUrlsError() {
    return absl::InvalidArgumentError("etcdserver: given member URLs are invalid");
}

absl::Status MemberNotLearnerError() {
    return absl::FailedPreconditionError("etcdserver: can only promote a learner member");
}

absl::Status LearnerNotReadyError() {
    return absl::FailedPreconditionError(
        "etcdserver: can only promote a learner member which is in sync with leader");
}

absl::Status TooManyLearnersError() {
    return absl::FailedPreconditionError("etcdserver: too many learner members in cluster");
}

absl::Status BadLeaderTransfereeError() {
    return absl::FailedPreconditionError("etcdserver: bad leader transferee");
}

absl::Status LeaderTransferTimeoutError() {
    return absl::UnavailableError("etcdserver: request timed out, leader transfer took too long");
}

absl::Status MemberRemovedError() {
    return absl::UnavailableError(
        "etcdserver: the member has been permanently removed from the cluster");
}

}  // namespace keel::server
