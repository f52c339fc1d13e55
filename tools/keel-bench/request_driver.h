// RunRequests: drives the put, range, txn and mixed workloads over gRPC's async API.
//
// options.threads worker threads each own a completion queue and a share of the clients (client
// c belongs to thread c % threads and sends on connection c % conns); a client is one request
// in flight at a time, so 1000 clients cost 1000 small structs, not 1000 threads.
//  * Closed loop (rate == 0): each client sends its next request when the previous one answers.
//  * Open loop (rate > 0): requests fall due at a fixed rate; a due request takes a free client
//    or waits in a backlog for one, and its latency counts from its due time (so queueing shows,
//    as wrk2 measures it).
// A run stops issuing after `total` requests or `duration`, whichever comes first, and waits for
// the requests in flight (each bounded by request_timeout).
#pragma once

#include <vector>

#include <absl/status/statusor.h>

#include "keel-bench/bench_options.h"
#include "keel-bench/connections.h"
#include "keel-bench/run_result.h"

namespace keel::bench {

// Whether put values carry their due time (steady clock, nanoseconds, 8 bytes little-endian at
// the start of the value), for the watch fan-out's delivery latency.
enum class ValueStamp : uint8_t {
    kNone = 0,
    kDueTime = 1,
};

// Errors: InvalidArgument for options the key space cannot serve. Failed requests are counted
// in the result, not returned.
absl::StatusOr<RunResult> RunRequests(const BenchOptions& options,
                                      const std::vector<Connection>& connections,
                                      ValueStamp stamp);

// The due time that a stamped value carries (see ValueStamp), or 0 when it is too short.
int64_t StampOf(const std::string& value);

}  // namespace keel::bench
