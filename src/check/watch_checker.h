// Checks what watchers saw against the store's revision order (etcd's watch guarantees:
// ordered, gap-free from the start revision, no duplicates, and the same event for the same
// revision on every stream).
//
// Precondition on the workload: every revision in the watched range holds at least one event
// the watcher can see (the chaos harness writes only inside the watched prefix, and every
// successful write makes a new revision), so a skipped revision number is a gap.
//
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <absl/status/status.h>

namespace keel::check {

struct WatchEvent {
    int64_t revision = 0;
    std::string key;
    std::optional<std::string> value;  // nullopt: a delete
};

// One watch stream: created at `start_revision`, it saw `events` in order.
struct WatchRecord {
    int watcher = 0;
    int64_t start_revision = 0;
    std::vector<WatchEvent> events;
};

struct RevisionFacts {
    // The store's revision at the end of the run: no stream can have seen beyond it.
    int64_t final_revision = 0;
    // Writes known at their revisions: the acknowledged ones, or the whole log when the harness
    // has read it back from the store.
    std::map<int64_t, WatchEvent> writes;
};

// OK, or FailedPrecondition naming the first watcher and event that breaks a guarantee: the
// first event is not at start_revision, a revision repeats for the same key, a revision goes
// backwards or skips one, an event is past the final revision, an event differs from the
// acknowledged write at its revision, or two streams disagree about a revision.
absl::Status CheckWatches(const std::vector<WatchRecord>& records, const RevisionFacts& facts);

}  // namespace keel::check
