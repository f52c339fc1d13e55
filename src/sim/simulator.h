// Simulator: one seeded run of a whole Raft cluster, start to verdict.
//
// A run has two phases. The safety phase pops `steps` events while the workload issues
// client operations and the fault schedule injects faults; every checker runs after every
// step. The liveness phase then heals the network, restarts every crashed node and requires,
// within `liveness_ticks_max` ticks, a leader whose configuration's quorum applies an index
// beyond the highest commit known at healing; failing that is a violation too. Everything random
// comes from the seed, so a run is reproducible byte for byte: RunResult::trace_hash identifies its
// trace.
//
// Stateless functions; each run owns everything it uses. Single-threaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "raft/raw_node.h"
#include "sim/cluster.h"
#include "sim/session_clients.h"
#include "sim/swarm_options.h"
#include "sim/trace.h"
#include "sim/violation.h"

namespace keel::sim {

enum class StorageKind : uint8_t {
    kMemory = 0,  // honest: MemoryNodeStorage
    kLying = 1,   // LyingNodeStorage over MemoryNodeStorage: acknowledges syncs it skipped
    kWal = 2,     // WalNodeStorage: the real WAL and snapshot store on a simulated disk
};

inline constexpr uint64_t kDefaultSteps = 4000;
inline constexpr uint64_t kDefaultLivenessTicksMax = 1000;

struct SimulatorOptions {
    uint64_t seed = 0;
    int node_count = 0;  // 0: drawn from the seed (3 or 5)
    uint64_t steps = kDefaultSteps;
    uint64_t liveness_ticks_max = kDefaultLivenessTicksMax;
    TraceLines trace_lines = TraceLines::kHashOnly;
    raft::Config::TestingKnobs testing;
    StorageKind storage = StorageKind::kMemory;
    // Teeth: wipe and restart nodes that refuse to start on a corrupt disk (cluster.h).
    bool unsafe_restart_corrupt_nodes_empty = false;
    // Clients with exactly-once sessions run beside the workload (session_clients.h), and the
    // session checker watches them.
    bool sessions = false;
    // Teeth: the state machine executes every retransmission (no deduplication).
    bool unsafe_execute_retransmissions = false;
};

struct RunResult {
    SwarmOptions swarm;
    std::optional<Violation> violation;  // the first one found
    uint64_t violation_step = 0;
    uint64_t steps_run = 0;
    uint64_t trace_hash = 0;
    std::vector<std::string> trace_lines;  // only with TraceLines::kKeep
    size_t leaders_elected = 0;            // terms in which some node led
    Index committed;                       // the highest commit index any node reported
    size_t acknowledged = 0;               // client proposals applied somewhere
    size_t reads_confirmed = 0;
    ClusterStats stats;
    uint64_t partitions = 0;
    uint64_t liveness_ticks = 0;         // ticks the liveness phase needed
    SessionClientStats session_clients;  // with sessions only
    SessionCheckerStats session_checker;

    bool ok() const { return !violation.has_value(); }
};

// Runs one seed. Deterministic: equal options give equal results, trace hash included.
RunResult RunSeed(const SimulatorOptions& options);

// "seed=7 n=5 ... leaders=4 committed=311 acked=250 reads=40 crashes=3 violations=0".
std::string Summary(const SimulatorOptions& options, const RunResult& result);

// The keel-sim command line that replays `options`.
std::string ReplayCommand(const SimulatorOptions& options);

// The violation report: checker, seed, step, detail and the replay command.
std::string ViolationReport(const SimulatorOptions& options, const RunResult& result);

}  // namespace keel::sim
