#include "keel/errors.h"

#include "client/outcome.h"

namespace keel::client {

bool IsSessionExpired(const absl::Status& status) {
    return status.code() == absl::StatusCode::kFailedPrecondition
           && status.message() == "keel: session expired or unknown";
}

bool IsOutcomeUnknown(const absl::Status& status) {
    return status.GetPayload(kOutcomeUnknownPayload).has_value();
}

}  // namespace keel::client
