// WatchBatch: merges the watch messages a stream's writer took from its outbox in one go into
// fewer responses, so that a writer that fell behind sends one response per watcher instead of
// one per revision (each gRPC write costs a syscall and thread wake-ups, whatever its size).
#pragma once

#include <cstddef>
#include <vector>

#include "server/watch_outbox.h"

namespace keel::server {

struct WatchBatchLimits {
    // The most events and approximate bytes (EventBytes) a merged message may hold; a single
    // queued message larger than either is passed on whole.
    size_t events_max = 0;
    size_t bytes_max = 0;
};

// Pure. Returns `queued` with each run of kEvents messages of one watcher merged into its first
// message, within `limits`: the events are appended in order and the header revision is the
// last one's. A control message (created, progress, canceled) ends every run, so nothing moves
// across it; messages of different watchers may be reordered between control messages, never
// those of one watcher. Messages with different `fragment` settings are not merged.
// Precondition: each watcher's events are in strictly increasing revision order across its
// messages (the hub's invariant).
std::vector<WatchMessage> CoalesceWatchMessages(std::vector<WatchMessage> queued,
                                                WatchBatchLimits limits);

}  // namespace keel::server
