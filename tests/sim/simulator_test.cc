// Whole-cluster simulation tests: determinism, a range of seeds with every checker on, and
// "teeth" tests that switch on a deliberate bug and require the checkers to catch it.
#include "sim/simulator.h"

#include <string>

#include <gtest/gtest.h>

namespace keel::sim {
namespace {

// The seeds of the range test. Chosen so that the binary stays well under a minute in a
// normal build and a few minutes under ASan+UBSan (docs/simulator.md has the numbers).
constexpr uint64_t kRangeSeeds = 500;
// The seeds run on WalNodeStorage.
constexpr uint64_t kWalSeeds = 100;
// The teeth tests look for a violation among this many seeds.
constexpr uint64_t kTeethSeeds = 60;
// Few seeds both corrupt a disk and restart that node later (about 1 in 20 does).
constexpr uint64_t kCorruptionTeethSeeds = 200;
// The seeds run with exactly-once session clients (about 1 s of CPU in a normal build, 10 s
// under ASan+UBSan).
constexpr uint64_t kSessionSeeds = 60;

SimulatorOptions Options(uint64_t seed) {
    SimulatorOptions options;
    options.seed = seed;
    return options;
}

// Runs seeds [first, first + count) and returns the first one with a violation, with its
// report; "" if none.
std::string FirstViolation(SimulatorOptions options, uint64_t first, uint64_t count) {
    for (uint64_t seed = first; seed < first + count; ++seed) {
        options.seed = seed;
        const RunResult result = RunSeed(options);
        if (!result.ok()) {
            return ViolationReport(options, result);
        }
    }
    return "";
}

TEST(SimDeterminism, SameSeedSameTraceByteForByte) {
    for (uint64_t seed : {1u, 2u, 3u, 17u}) {
        SimulatorOptions options = Options(seed);
        options.trace_lines = TraceLines::kKeep;
        const RunResult a = RunSeed(options);
        const RunResult b = RunSeed(options);
        EXPECT_EQ(a.trace_hash, b.trace_hash) << "seed " << seed;
        EXPECT_EQ(a.trace_lines, b.trace_lines) << "seed " << seed;
        EXPECT_GT(a.trace_lines.size(), 100u);
        EXPECT_EQ(a.steps_run, b.steps_run);
    }
}

TEST(SimDeterminism, DifferentSeedsDiffer) {
    EXPECT_NE(RunSeed(Options(1)).trace_hash, RunSeed(Options(2)).trace_hash);
}

TEST(SimSeeds, RangeHasNoViolationsAndMakesProgress) {
    uint64_t committed = 0;
    uint64_t leaders = 0;
    for (uint64_t seed = 0; seed < kRangeSeeds; ++seed) {
        const SimulatorOptions options = Options(seed);
        const RunResult result = RunSeed(options);
        ASSERT_TRUE(result.ok()) << ViolationReport(options, result);
        // Every run elects someone and commits something (the liveness phase demands it).
        EXPECT_GE(result.leaders_elected, 1u) << Summary(options, result);
        EXPECT_GT(result.committed, Index(0)) << Summary(options, result);
        committed += result.committed.value();
        leaders += result.leaders_elected;
    }
    EXPECT_GT(committed, kRangeSeeds * 10);
    EXPECT_GT(leaders, kRangeSeeds);
}

TEST(SimSeeds, WalStorageRangeHasNoViolations) {
    // The same runs on the production WAL and snapshot store over simulated disks whose
    // crashes tear unsynced writes (WalNodeStorage). On seeds with the corruption class, some
    // crashes also flip a bit of a sealed WAL segment: the node must refuse to start (DataLoss)
    // and stay down, and the rest of the cluster must stay safe and live without it.
    uint64_t corruptions = 0;
    uint64_t quarantined = 0;
    for (uint64_t seed = 0; seed < kWalSeeds; ++seed) {
        SimulatorOptions options = Options(seed);
        options.storage = StorageKind::kWal;
        const RunResult result = RunSeed(options);
        ASSERT_TRUE(result.ok()) << ViolationReport(options, result);
        corruptions += result.stats.corruptions;
        quarantined += result.stats.quarantined;
    }
    EXPECT_GT(corruptions, 0u) << "no seed corrupted a disk: the test lost its teeth";
    EXPECT_EQ(quarantined, corruptions) << "every corrupted node must refuse to start";
}

TEST(SimSeeds, SessionClientsGetExactlyOnce) {
    // Clients with sessions under loss, duplication, reordering, partitions, crashes and
    // restarts, leader churn, membership changes and snapshots: no request executes twice,
    // every acknowledged one is in the final state once, replays equal first executions.
    SessionClientStats clients;
    SessionCheckerStats checked;
    for (uint64_t seed = 0; seed < kSessionSeeds; ++seed) {
        SimulatorOptions options = Options(seed);
        options.sessions = true;
        const RunResult result = RunSeed(options);
        ASSERT_TRUE(result.ok()) << ViolationReport(options, result);
        clients.retransmissions += result.session_clients.retransmissions;
        clients.answered += result.session_clients.answered;
        clients.sessions_expired += result.session_clients.sessions_expired;
        checked.replayed += result.session_checker.replayed;
        checked.acknowledged += result.session_checker.acknowledged;
    }
    // The faults must have produced what the checker is about, or it proved nothing.
    EXPECT_GT(clients.retransmissions, kSessionSeeds * 10);
    EXPECT_GT(checked.replayed, kSessionSeeds);
    EXPECT_GT(clients.sessions_expired, 0u);
    EXPECT_GT(checked.acknowledged, kSessionSeeds * 10);
    EXPECT_EQ(checked.acknowledged, clients.answered);
}

TEST(SimSeeds, ReplayCommandNamesEverythingThatChangesTheRun) {
    SimulatorOptions options = Options(42);
    options.node_count = 5;
    options.steps = 100;
    options.storage = StorageKind::kLying;
    options.testing.unsafe_skip_log_up_to_date_check = true;
    EXPECT_EQ(ReplayCommand(options),
              "keel-sim --seed 42 --nodes 5 --steps 100 --unsafe-skip-log-up-to-date-check "
              "--lying-disk");
    SimulatorOptions sessions = Options(3);
    sessions.sessions = true;
    sessions.unsafe_execute_retransmissions = true;
    EXPECT_EQ(ReplayCommand(sessions),
              "keel-sim --seed 3 --sessions --unsafe-execute-retransmissions");
}

TEST(SimTeeth, SkippingTheUpToDateCheckIsCaught) {
    SimulatorOptions options;
    options.testing.allow_unsafe = true;
    options.testing.unsafe_skip_log_up_to_date_check = true;
    const std::string report = FirstViolation(options, 0, kTeethSeeds);
    EXPECT_NE(report, "") << "no seed in [0, " << kTeethSeeds << ") caught the bug";
    EXPECT_NE(report.find("replay: keel-sim --seed"), std::string::npos) << report;
}

TEST(SimTeeth, RestartingACorruptNodeEmptyIsCaught) {
    // The operator's mistake the quarantine prevents: wiping a corrupt node and restarting it
    // empty with its old identity. It forgets entries it acknowledged and votes it cast.
    SimulatorOptions options;
    options.storage = StorageKind::kWal;
    options.unsafe_restart_corrupt_nodes_empty = true;
    const std::string report = FirstViolation(options, 0, kCorruptionTeethSeeds);
    EXPECT_NE(report, "") << "no seed in [0, " << kCorruptionTeethSeeds << ") caught it";
    EXPECT_NE(report.find("--unsafe-restart-corrupt-nodes-empty"), std::string::npos) << report;
}

TEST(SimTeeth, ExecutingRetransmissionsIsCaughtOnManySeeds) {
    // Without deduplication a retransmitted request executes again: the session checker must
    // say so, and on many seeds (179 of seeds 0-199 and 52 of 0-59 at the time of writing).
    SimulatorOptions options;
    options.sessions = true;
    options.unsafe_execute_retransmissions = true;
    uint64_t caught = 0;
    std::string report;
    for (uint64_t seed = 0; seed < kTeethSeeds; ++seed) {
        options.seed = seed;
        const RunResult result = RunSeed(options);
        if (!result.ok()) {
            ++caught;
            report = ViolationReport(options, result);
            EXPECT_EQ(result.violation->checker.rfind("session-", 0), 0u) << report;
        }
    }
    EXPECT_GE(caught, kTeethSeeds / 2) << "only " << caught << " of " << kTeethSeeds;
    EXPECT_NE(report.find("replay: keel-sim --seed"), std::string::npos) << report;
    EXPECT_NE(report.find("--unsafe-execute-retransmissions"), std::string::npos) << report;
}

TEST(SimTeeth, LyingDiskIsCaught) {
    SimulatorOptions options;
    options.storage = StorageKind::kLying;
    const std::string report = FirstViolation(options, 0, kTeethSeeds);
    EXPECT_NE(report, "") << "no seed in [0, " << kTeethSeeds << ") caught the lying disk";
}

}  // namespace
}  // namespace keel::sim
