#include "server/node_metrics.h"

#include "server/errors.h"

namespace keel::server {

bool IsFailedProposal(const absl::Status& status) {
    if (status.ok()) {
        return false;
    }
    return status == LeaderChangedError() || status == RequestTimeoutError()
           || status == TooManyRequestsError() || status == NoLeaderError()
           || status == StoppedError() || status == DiskFullError();
}

}  // namespace keel::server
