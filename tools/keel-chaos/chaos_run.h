// One chaos run: a fresh cluster, the workload and the nemesis for a while, then heal, restart
// every member, converge and check (verifier.h). A failed run prints its seed and replay command
// and saves the history.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "chaos_cluster.h"
#include "nemesis.h"

namespace keel::chaos {

struct RunOptions {
    uint64_t seed = 1;
    std::chrono::seconds duration{20};
    std::vector<Fault> faults;
    int mix = 1;  // NemesisOptions::mix
    Flavor flavor = Flavor::kKeeld;
    std::string keeld_path;
    int members = 3;  // 3 or 5
    int clients = 4;
    int keys = 3;
    bool serializable_reads = false;  // the negative control (workload.h)
    std::string history_dir = ".";
    std::string replay_command;  // printed when the run fails
};

// Per fault type: operations attempted and succeeded while it was active, and the longest
// stretch inside one of its windows without a successful write.
struct Availability {
    uint64_t ops = 0;
    uint64_t ok = 0;
    int64_t longest_write_gap_ns = 0;
    int windows = 0;
};

struct RunSummary {
    bool passed = false;
    uint64_t ops = 0;
    uint64_t ok = 0;
    int64_t longest_write_gap_ns = 0;  // over the whole fault phase
    // Keyed by FaultWindow::Label(): a fault's name, "mixed", or "none" for the quiet gaps.
    std::vector<std::pair<std::string, Availability>> by_fault;
};

RunSummary RunChaos(const RunOptions& options);

}  // namespace keel::chaos
