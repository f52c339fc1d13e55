#include "sim/swarm_options.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/rng.h"

namespace keel::sim {
namespace {

constexpr int kNodeCountMin = 1;
constexpr int kNodeCountMax = 7;
constexpr uint32_t kDropPerMilleMax = 100;
constexpr uint32_t kDuplicatePerMilleMax = 50;
constexpr uint64_t kDelayMaxUsMax = 30'000;

NetworkOptions ChooseNetwork(base::Rng& rng) {
    NetworkOptions network;
    network.drop_per_mille =
        rng.Chance(1, 3) ? 0 : static_cast<uint32_t>(rng.Range(1, kDropPerMilleMax));
    network.duplicate_per_mille =
        rng.Chance(1, 2) ? 0 : static_cast<uint32_t>(rng.Range(1, kDuplicatePerMilleMax));
    network.delay_min_us = rng.Range(100, 2'000);
    network.delay_max_us = rng.Range(network.delay_min_us, kDelayMaxUsMax);
    return network;
}

}  // namespace

SwarmOptions ChooseSwarmOptions(uint64_t seed, int node_count_override) {
    // The swarm draws from its own stream so that changing how the run uses randomness does
    // not change which options a seed gets.
    base::Rng rng(seed ^ 0x5ea1'5eed'0000'0001ULL);
    SwarmOptions options;
    options.seed = seed;
    options.node_count = rng.Chance(1, 2) ? 3 : 5;
    if (node_count_override != 0) {
        KEEL_ASSERT(node_count_override >= kNodeCountMin && node_count_override <= kNodeCountMax);
        options.node_count = node_count_override;
    }
    for (int i = 0; i < options.node_count; ++i) {
        const uint64_t skew = rng.Range(0, 2 * kTickSkewPercentMax);
        options.tick_period_us.push_back(kTickPeriodUs * (100 - kTickSkewPercentMax + skew) / 100);
    }
    options.network = ChooseNetwork(rng);
    options.pre_vote = !rng.Chance(1, 4);
    options.check_quorum = !rng.Chance(1, 4);
    static constexpr size_t kAppendBytes[] = {1, 64, 1024 * 1024};
    static constexpr size_t kInflightMsgs[] = {1, 4, 256};
    options.append_bytes_max = kAppendBytes[rng.Uniform(3)];
    options.inflight_msgs_max = kInflightMsgs[rng.Uniform(3)];
    options.partitions = rng.Chance(1, 2);
    options.crashes = rng.Chance(1, 2);
    options.membership = rng.Chance(1, 2);
    options.transfers = rng.Chance(1, 2);
    options.compaction = rng.Chance(1, 2);
    options.reads = rng.Chance(1, 2);
    options.leader_churn_per_mille =
        rng.Chance(1, 2) ? 0 : static_cast<uint32_t>(rng.Range(100, 700));
    options.crash_before_sync_per_mille =
        options.crashes && rng.Chance(1, 2) ? static_cast<uint32_t>(rng.Range(1, 20)) : 0;
    options.fault_interval_max_us = rng.Range(20'000, 200'000);
    options.fault_per_mille = static_cast<uint32_t>(rng.Range(100, 900));
    options.workload_interval_max_us = rng.Range(5'000, 50'000);
    // Drawn last, so that adding it left every earlier draw of every seed as it was.
    options.corruption = options.crashes && !options.membership && rng.Chance(1, 2);
    return options;
}

std::string SwarmOptions::Describe() const {
    std::string out = absl::StrFormat("n=%d drop=%.1f%% dup=%.1f%% delay=%.1f-%.1fms",
                                      node_count,
                                      network.drop_per_mille / 10.0,
                                      network.duplicate_per_mille / 10.0,
                                      static_cast<double>(network.delay_min_us) / 1000.0,
                                      static_cast<double>(network.delay_max_us) / 1000.0);
    absl::StrAppend(&out, pre_vote ? "" : " no-prevote", check_quorum ? "" : " no-checkquorum");
    absl::StrAppendFormat(&out, " append=%dB inflight=%d", append_bytes_max, inflight_msgs_max);
    std::string faults;
    const auto add = [&faults](bool on, const char* name) {
        if (on) {
            absl::StrAppend(&faults, faults.empty() ? "" : ",", name);
        }
    };
    add(partitions, "partition");
    add(crashes, "crash");
    add(crashes && leader_churn_per_mille > 0, "leader-churn");
    add(crash_before_sync_per_mille > 0, "crash-before-sync");
    add(membership, "membership");
    add(transfers, "transfer");
    add(compaction, "compaction");
    add(reads, "reads");
    add(corruption, "corruption");
    absl::StrAppend(&out, " faults=", faults.empty() ? "none" : faults);
    return out;
}

}  // namespace keel::sim
