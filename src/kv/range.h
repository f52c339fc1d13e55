// Reading keys at a revision: the Range request and the index lookups it is built from.
// Pure functions over a StateReader; the store and write transactions both use them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include "kv/key_range.h"
#include "kv/key_value.h"
#include "kv/request.h"
#include "kv/response.h"
#include "kv/revision.h"
#include "kv/state_reader.h"

namespace keel::kv {

// The revision a read asks for, resolved against the store: 0 means `current`.
// Errors: CompactedError() below `compacted`, FutureRevisionError() above `current`.
absl::StatusOr<Revision> ResolveReadRevision(Revision requested,
                                             Revision current,
                                             Revision compacted);

// A key that is live at some revision, and the revision of its version visible there.
struct VisibleVersion {
    std::string key;
    FullRevision revision;
};

// The keys of `range` live at revision `at`, in key order. Two seeks per key in range, not
// one step per version: history depth does not slow reads of the present.
std::vector<VisibleVersion> ListVisible(const StateReader& reader,
                                        const KeyRange& range,
                                        Revision at);

// The version stored at `revision`. Precondition: it exists and is not a tombstone.
KeyValue ReadVersion(const StateReader& reader, FullRevision revision);

// The version of `key` visible at `at`, or nullopt if the key is absent (or deleted) there.
std::optional<KeyValue> VisibleAt(const StateReader& reader, std::string_view key, Revision at);

// Answers `request` at its resolved revision (see ResolveReadRevision); leaves the header
// for the caller. Errors: EmptyKeyError() for an empty key, and ResolveReadRevision's.
absl::StatusOr<RangeResponse> ExecuteRange(const StateReader& reader,
                                           const RangeRequest& request,
                                           Revision current,
                                           Revision compacted);

}  // namespace keel::kv
