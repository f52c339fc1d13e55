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

TEST(SimSeeds, ReplayCommandNamesEverythingThatChangesTheRun) {
    SimulatorOptions options = Options(42);
    options.node_count = 5;
    options.steps = 100;
    options.storage = StorageKind::kLying;
    options.testing.unsafe_skip_log_up_to_date_check = true;
    EXPECT_EQ(ReplayCommand(options),
              "keel-sim --seed 42 --nodes 5 --steps 100 --unsafe-skip-log-up-to-date-check "
              "--lying-disk");
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

TEST(SimTeeth, LyingDiskIsCaught) {
    SimulatorOptions options;
    options.storage = StorageKind::kLying;
    const std::string report = FirstViolation(options, 0, kTeethSeeds);
    EXPECT_NE(report, "") << "no seed in [0, " << kTeethSeeds << ") caught the lying disk";
}

}  // namespace
}  // namespace keel::sim
