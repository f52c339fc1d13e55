// keel-bench against a single keeld for about a second per workload, so that the tool (and the
// comparison script built on it) cannot rot unnoticed.
#include <array>
#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "e2e/keeld_cluster.h"

namespace keel::testing {
namespace {

struct BenchRun {
    int exit_code = -1;
    std::string output;
};

// Runs keel-bench with `args`, bounded by coreutils `timeout`.
BenchRun RunBench(const std::string& args) {
    const std::string command = std::string("timeout 15 ") + KEEL_BENCH_PATH + " " + args;
    BenchRun run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return run;
    }
    std::array<char, 4096> buffer{};
    while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
        run.output += buffer.data();
    }
    const int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

class KeelBenchSmoke : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(cluster_.WaitForLeader().has_value()) << cluster_.Logs();
    }

    // Runs `workload` for ~1 s and checks the JSON report; returns it.
    nlohmann::json Check(const std::string& workload, const std::string& extra = "") {
        const BenchRun run = RunBench(workload + " --endpoints=" + cluster_.Endpoints()
                                      + " --clients=20 --conns=2 --key-space=200 --duration=1"
                                        " --json "
                                      + extra);
        EXPECT_EQ(run.exit_code, 0) << run.output << cluster_.Logs();
        const nlohmann::json report = nlohmann::json::parse(run.output, nullptr, false);
        EXPECT_FALSE(report.is_discarded()) << run.output;
        if (report.is_discarded()) {
            return {};
        }
        // One member: it is the leader, and every connection went to it.
        EXPECT_EQ(report["connected_to"].size(), 1u) << run.output;
        EXPECT_GT(report["succeeded"].get<uint64_t>(), 20u) << run.output;
        EXPECT_EQ(report["failed"].get<uint64_t>(), 0u) << run.output;
        EXPECT_GT(report["latency"]["p99_ms"].get<double>(), 0.0) << run.output;
        EXPECT_LE(report["latency"]["p50_ms"].get<double>(),
                  report["latency"]["max_ms"].get<double>());
        return report;
    }

    KeeldCluster cluster_{KeeldClusterOptions{.size = 1}};
};

TEST_F(KeelBenchSmoke, PutRangeAndCompareAndSwap) {
    Check("put");
    Check("range", "--consistency=l");
    const nlohmann::json txn = Check("txn");
    // Every key was written by the put run, and this thread knows none of their revisions: the
    // first swap on each key loses, and the retry wins.
    EXPECT_GT(txn["cas_won"].get<uint64_t>(), 0u) << txn.dump();
    EXPECT_GT(txn["cas_lost"].get<uint64_t>(), 0u) << txn.dump();
}

TEST_F(KeelBenchSmoke, PutsInSessions) {
    const nlohmann::json report = Check("put", "--session");
    EXPECT_TRUE(report["options"]["session"].get<bool>()) << report.dump();
}

TEST_F(KeelBenchSmoke, OpenLoopKeepsItsRate) {
    const nlohmann::json report = Check("put", "--rate=200 --threads=2");
    // 200/s for 1 s: about 200 requests, and never more than the schedule allowed.
    EXPECT_LE(report["succeeded"].get<uint64_t>(), 201u) << report.dump();
    EXPECT_GE(report["succeeded"].get<uint64_t>(), 150u) << report.dump();
}

}  // namespace
}  // namespace keel::testing
