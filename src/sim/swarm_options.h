// SwarmOptions: the parameters of one simulated run, all drawn from its seed.
//
// Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012): instead of one configuration
// with every fault always possible, each seed switches whole fault classes on or off and
// picks its own rates, so some runs are dominated by partitions, others by crashes or
// membership changes, and interactions that a uniform mix would dilute get explored.
//
// A value type; ChooseSwarmOptions() is a pure function of its arguments.
//
// Invariant: node_count is 3 or 5 unless overridden; tick_period_us has node_count entries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/network.h"

namespace keel::sim {

struct SwarmOptions {
    uint64_t seed = 0;
    int node_count = 3;
    // Per-node tick periods: clock skew between nodes of up to +-kTickSkewPercentMax percent.
    std::vector<uint64_t> tick_period_us;
    NetworkOptions network;
    bool pre_vote = true;
    bool check_quorum = true;
    // Raft flow control: small values split replication into many messages, so followers
    // acknowledge prefixes of a leader's log (what Figure 8's scenario needs).
    size_t append_bytes_max = 1024 * 1024;
    size_t inflight_msgs_max = 256;

    // Fault and workload classes switched on for this seed.
    bool partitions = false;
    bool crashes = false;
    bool membership = false;
    bool transfers = false;
    bool compaction = false;
    bool reads = false;
    // Some crashes also flip a bit on the crashed node's disk (only with storage that has
    // checksums, i.e. the WAL; never with membership changes, so that the quarantined nodes,
    // at most a minority, never leave a configuration without a quorum).
    bool corruption = false;

    // Leader churn: the chance that a new leader crashes within a few ticks of its election,
    // before it has replicated its first entries (the opening move of Figure 8's scenario).
    uint32_t leader_churn_per_mille = 0;
    // The chance that a node crashes between writing a Ready and syncing it.
    uint32_t crash_before_sync_per_mille = 0;
    // How often the fault schedule decides something, and how likely it acts then.
    uint64_t fault_interval_max_us = 0;
    uint32_t fault_per_mille = 0;
    // The most time between two client operations.
    uint64_t workload_interval_max_us = 0;

    // One line for the summary, e.g. "n=5 drop=2.1% dup=0.4% delay=1-9ms partition,crash".
    std::string Describe() const;
};

// The tick period of a node without skew: 10 ms, so an election timeout of 10 ticks is 100 ms.
inline constexpr uint64_t kTickPeriodUs = 10'000;
inline constexpr uint64_t kTickSkewPercentMax = 20;

// Draws a run's options from `seed`. `node_count_override` (3..7) replaces the drawn node
// count when non-zero.
SwarmOptions ChooseSwarmOptions(uint64_t seed, int node_count_override);

}  // namespace keel::sim
