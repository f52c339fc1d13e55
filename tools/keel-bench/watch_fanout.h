// RunWatchFanout: N watchers on one prefix while the put workload writes under it.
//
// The watchers are bidirectional Watch streams spread over the connections and polled by
// options.threads threads through completion queues. Once every watcher is created, the
// writers run RunRequests (put, values stamped with their due time); each event's delivery
// latency is its arrival time minus that stamp. After the writers stop, the run waits (up to
// kDrainTimeout) until every watcher has seen every successful put, then cancels the streams.
#pragma once

#include <vector>

#include <absl/status/statusor.h>

#include "keel-bench/bench_options.h"
#include "keel-bench/connections.h"
#include "keel-bench/run_result.h"

namespace keel::bench {

// Errors: Unavailable if a watcher cannot be created (e.g. the server has no Watch service);
// RunRequests' errors.
absl::StatusOr<WatchResult> RunWatchFanout(const BenchOptions& options,
                                           const std::vector<Connection>& connections);

}  // namespace keel::bench
