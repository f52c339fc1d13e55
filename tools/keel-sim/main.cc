// keel-sim: runs the deterministic Raft cluster simulator (src/sim) over one seed or a range.
//
//   keel-sim --seed 7 --trace      one seed, with its event trace
//   keel-sim --seeds 0-1999        a range; one summary line per seed, totals at the end
//
// Exits 0 when no checker found a violation, 1 when one did (printing the replay command),
// and 2 on a usage error. The same seed and flags give the same trace, byte for byte.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "sim/simulator.h"

namespace {

struct Flags {
    int64_t seed = -1;
    std::string seeds;
    int nodes = 0;
    uint64_t steps = keel::sim::kDefaultSteps;
    bool trace = false;
    bool quiet = false;
    bool unsafe_commit_previous_term_entries = false;
    bool unsafe_skip_log_up_to_date_check = false;
    bool lying_disk = false;
    bool wal = false;
    bool unsafe_restart_corrupt_nodes_empty = false;
    bool sessions = false;
    bool unsafe_execute_retransmissions = false;
};

// Parses "A-B" (inclusive) or a single number.
bool ParseRange(const std::string& text, uint64_t* first, uint64_t* last) {
    const size_t dash = text.find('-');
    try {
        *first = std::stoull(text.substr(0, dash));
        *last = dash == std::string::npos ? *first : std::stoull(text.substr(dash + 1));
    } catch (const std::exception&) {
        return false;
    }
    return *first <= *last;
}

keel::sim::SimulatorOptions OptionsFor(const Flags& flags, uint64_t seed) {
    keel::sim::SimulatorOptions options;
    options.seed = seed;
    options.node_count = flags.nodes;
    options.steps = flags.steps;
    options.trace_lines =
        flags.trace ? keel::sim::TraceLines::kKeep : keel::sim::TraceLines::kHashOnly;
    options.testing.unsafe_commit_previous_term_entries = flags.unsafe_commit_previous_term_entries;
    options.testing.unsafe_skip_log_up_to_date_check = flags.unsafe_skip_log_up_to_date_check;
    options.testing.allow_unsafe =
        flags.unsafe_commit_previous_term_entries || flags.unsafe_skip_log_up_to_date_check;
    options.storage = keel::sim::StorageKind::kMemory;
    if (flags.lying_disk) {
        options.storage = keel::sim::StorageKind::kLying;
    } else if (flags.wal) {
        options.storage = keel::sim::StorageKind::kWal;
    }
    options.unsafe_restart_corrupt_nodes_empty = flags.unsafe_restart_corrupt_nodes_empty;
    options.sessions = flags.sessions || flags.unsafe_execute_retransmissions;
    options.unsafe_execute_retransmissions = flags.unsafe_execute_retransmissions;
    return options;
}

int RunSeeds(const Flags& flags, uint64_t first, uint64_t last) {
    const auto start = std::chrono::steady_clock::now();
    uint64_t runs = 0;
    uint64_t violations = 0;
    uint64_t committed = 0;
    uint64_t leaders = 0;
    keel::sim::SessionClientStats clients;
    keel::sim::SessionCheckerStats checked;
    for (uint64_t seed = first; seed <= last; ++seed) {
        const keel::sim::SimulatorOptions options = OptionsFor(flags, seed);
        const keel::sim::RunResult result = keel::sim::RunSeed(options);
        for (const std::string& line : result.trace_lines) {
            std::printf("%s\n", line.c_str());
        }
        if (!flags.quiet || !result.ok()) {
            std::printf("%s\n", keel::sim::Summary(options, result).c_str());
        }
        if (!result.ok()) {
            std::printf("%s\n", keel::sim::ViolationReport(options, result).c_str());
            ++violations;
        }
        ++runs;
        committed += result.committed.value();
        leaders += result.leaders_elected;
        const keel::sim::SessionClientStats& c = result.session_clients;
        clients.clients += c.clients;
        clients.sessions_opened += c.sessions_opened;
        clients.sessions_expired += c.sessions_expired;
        clients.requests += c.requests;
        clients.sends += c.sends;
        clients.retransmissions += c.retransmissions;
        clients.answered += c.answered;
        clients.abandoned += c.abandoned;
        checked.executed += result.session_checker.executed;
        checked.replayed += result.session_checker.replayed;
        checked.rejected += result.session_checker.rejected;
        checked.replies += result.session_checker.replies;
        std::fflush(stdout);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("total: seeds=%llu violations=%llu leaders=%llu committed=%llu time=%.1fs\n",
                static_cast<unsigned long long>(runs),
                static_cast<unsigned long long>(violations),
                static_cast<unsigned long long>(leaders),
                static_cast<unsigned long long>(committed),
                seconds);
    if (flags.sessions || flags.unsafe_execute_retransmissions) {
        std::printf(
            "sessions: clients=%llu opened=%llu expired=%llu requests=%llu sends=%llu "
            "retransmissions=%llu answered=%llu abandoned=%llu executed=%llu "
            "duplicates_suppressed=%llu rejected=%llu replies=%llu\n",
            static_cast<unsigned long long>(clients.clients),
            static_cast<unsigned long long>(clients.sessions_opened),
            static_cast<unsigned long long>(clients.sessions_expired),
            static_cast<unsigned long long>(clients.requests),
            static_cast<unsigned long long>(clients.sends),
            static_cast<unsigned long long>(clients.retransmissions),
            static_cast<unsigned long long>(clients.answered),
            static_cast<unsigned long long>(clients.abandoned),
            static_cast<unsigned long long>(checked.executed),
            static_cast<unsigned long long>(checked.replayed),
            static_cast<unsigned long long>(checked.rejected),
            static_cast<unsigned long long>(checked.replies));
    }
    return violations == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"keel-sim: deterministic simulation of a keel Raft cluster"};
    Flags flags;
    app.add_option("--seed", flags.seed, "run one seed")->check(CLI::NonNegativeNumber);
    app.add_option("--seeds", flags.seeds, "run a range of seeds, e.g. 0-1999");
    app.add_option("--nodes", flags.nodes, "cluster size (default: 3 or 5, from the seed)")
        ->check(CLI::Range(1, 7));
    app.add_option("--steps", flags.steps, "events in the safety phase");
    app.add_flag("--trace", flags.trace, "print the event trace");
    app.add_flag("--quiet", flags.quiet, "print only failing seeds and the totals");
    app.add_flag("--unsafe-commit-previous-term-entries",
                 flags.unsafe_commit_previous_term_entries,
                 "deliberate bug: commit old-term entries by counting replicas (Figure 8)");
    app.add_flag("--unsafe-skip-log-up-to-date-check",
                 flags.unsafe_skip_log_up_to_date_check,
                 "deliberate bug: grant votes without the up-to-date check (5.4.1)");
    app.add_flag("--lying-disk", flags.lying_disk, "deliberate fault: disks that ignore fsync")
        ->excludes(app.add_flag(
            "--wal", flags.wal, "store on the real WAL over simulated disks (torn crashes)"));
    app.add_flag("--unsafe-restart-corrupt-nodes-empty",
                 flags.unsafe_restart_corrupt_nodes_empty,
                 "deliberate operator error: wipe a node whose disk is corrupt and restart it "
                 "empty (with --wal)");
    app.add_flag("--sessions",
                 flags.sessions,
                 "add clients with exactly-once sessions and check that no request executes "
                 "twice and no acknowledged one is lost");
    app.add_flag("--unsafe-execute-retransmissions",
                 flags.unsafe_execute_retransmissions,
                 "deliberate bug: execute every retransmission of a session request (implies "
                 "--sessions)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error) == 0 ? 0 : 2;
    }
    uint64_t first = 0;
    uint64_t last = 0;
    if (flags.seed >= 0 && flags.seeds.empty()) {
        first = last = static_cast<uint64_t>(flags.seed);
    } else if (flags.seed < 0 && !flags.seeds.empty()) {
        if (!ParseRange(flags.seeds, &first, &last)) {
            std::fprintf(
                stderr, "keel-sim: --seeds wants A-B with A <= B, got '%s'\n", flags.seeds.c_str());
            return 2;
        }
    } else {
        std::fprintf(stderr, "keel-sim: give exactly one of --seed N or --seeds A-B\n");
        return 2;
    }
    return RunSeeds(flags, first, last);
}
