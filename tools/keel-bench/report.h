// Report: a run's figures as text for people and as JSON for scripts (--json).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "keel-bench/bench_options.h"
#include "keel-bench/run_result.h"

namespace keel::bench {

// p50, p90, p99, p99.9, max and mean in milliseconds, plus the count.
nlohmann::json LatencyJson(const LatencyHistogram& histogram);

nlohmann::json RunJson(const BenchOptions& options, const RunResult& result);
nlohmann::json WatchJson(const BenchOptions& options, const WatchResult& result);

std::string RunText(const BenchOptions& options, const RunResult& result);
std::string WatchText(const BenchOptions& options, const WatchResult& result);

}  // namespace keel::bench
