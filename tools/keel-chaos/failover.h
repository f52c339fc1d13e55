// The failover benchmark: SIGKILL the leader of a healthy 3-member cluster while writers run,
// and time (a) the first successful write invoked after the kill and (b) the return to full
// throughput (a 250 ms window with at least 80% of the pre-kill write rate). Repeated over
// many trials, for keeld and for etcd with the same harness.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "chaos_cluster.h"

namespace keel::chaos {

struct FailoverOptions {
    Flavor flavor = Flavor::kKeeld;
    std::string keeld_path;
    int trials = 20;
    int tick_ms = 100;  // keeld's and etcd's defaults: 100 ms ticks, 1 s election timeout
    int election_ticks = 10;
    int writers = 2;
    uint64_t seed = 1;
};

struct FailoverResult {
    std::vector<double> first_write_ms;
    std::vector<double> full_throughput_ms;
    int failed_trials = 0;  // no successful write within the trial's bound
};

FailoverResult RunFailover(const FailoverOptions& options);

// "median X ms, p99 Y ms, max Z ms (n trials)".
std::string Percentiles(std::vector<double> values);

}  // namespace keel::chaos
