// RunResult: what one run measured, merged over its worker threads.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "keel-bench/latency_histogram.h"

namespace keel::bench {

struct RunResult {
    std::vector<std::string> endpoints;  // where the connections went (the leader, or all)
    LatencyHistogram latency;            // successful requests only
    uint64_t succeeded = 0;
    uint64_t failed = 0;
    // "CODE: message" -> how many requests failed with it.
    std::map<std::string, uint64_t> errors;
    uint64_t reads = 0;
    uint64_t writes = 0;
    // Txn workload: how many compare-and-swaps won and lost.
    uint64_t cas_won = 0;
    uint64_t cas_lost = 0;
    // Open loop: the most requests that were due but waited for a free client.
    uint64_t backlog_max = 0;
    double seconds = 0;

    // Adds `other`'s counts, keeping the longer duration.
    void Merge(const RunResult& other);

    double throughput() const { return seconds > 0 ? static_cast<double>(succeeded) / seconds : 0; }
};

// Watch fan-out: the writers' RunResult plus what the watchers received.
struct WatchResult {
    RunResult writes;
    LatencyHistogram delivery;  // from a put's due time to the event's arrival at a watcher
    uint64_t watchers = 0;
    uint64_t events = 0;
    uint64_t events_expected = 0;  // successful puts x watchers
    double seconds = 0;            // from the first put to the last event (or the drain timeout)

    double events_per_second() const {
        return seconds > 0 ? static_cast<double>(events) / seconds : 0;
    }
};

}  // namespace keel::bench
