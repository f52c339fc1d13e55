// Reading the change history, for watchers that start at a past revision.
#pragma once

#include <absl/status/statusor.h>

#include "kv/request.h"
#include "kv/response.h"
#include "kv/state_reader.h"

namespace keel::kv {

// The events on the request's key range with revision >= start_revision, oldest first, at
// most about events_max of them (a revision's events are never split). The header is left
// for the caller. Errors: CompactedError() if start_revision < compacted (as etcd: a watch
// may start at the compacted revision itself, where only the surviving versions remain);
// EmptyKeyError() for an empty key; InvalidArgument for start_revision 0 ("from now" is the
// watch hub's business).
absl::StatusOr<HistoryResponse> ReadHistory(const StateReader& reader,
                                            const HistoryRequest& request,
                                            Revision current,
                                            Revision compacted);

}  // namespace keel::kv
