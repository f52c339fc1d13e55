#include "keel-bench/run_result.h"

#include <algorithm>

namespace keel::bench {

void RunResult::Merge(const RunResult& other) {
    if (endpoints.empty()) {
        endpoints = other.endpoints;
    }
    latency.Merge(other.latency);
    succeeded += other.succeeded;
    failed += other.failed;
    for (const auto& [error, count] : other.errors) {
        errors[error] += count;
    }
    reads += other.reads;
    writes += other.writes;
    cas_won += other.cas_won;
    cas_lost += other.cas_lost;
    backlog_max = std::max(backlog_max, other.backlog_max);
    seconds = std::max(seconds, other.seconds);
}

}  // namespace keel::bench
