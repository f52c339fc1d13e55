// The differential test of issue #4: one etcdctl script, run against a real etcd (Debian's
// etcd-server, one member) and against a three-member keeld cluster. After normalizing what
// legitimately differs (lease and member ids, cluster ids, terms), every command's exit status
// and output must match, errors included. Revisions are NOT normalized: both stores start
// empty and see the same writes, so etcd's revision numbering must come out identical.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/etcd_process.h"
#include "e2e/keeld_cluster.h"
#include "e2e/process.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;

// One etcdctl invocation. `$LEASE` in args is replaced by the lease id the last
// "lease grant" printed on the same server.
struct Step {
    std::string args;
    std::string stdin_text;
};

// Ids differ between servers; everything else must not.
std::string Normalize(std::string output) {
    static const std::regex kGranted("lease [0-9a-f]+ granted");
    static const std::regex kLeaseLine("lease [0-9a-f]+ ");
    static const std::regex kHexId("^[0-9a-f]{12,16}$");
    // etcdctl's own retry log line: only the gRPC error in it is the server's.
    static const std::regex kClientLog("\\{\"level\":\"warn\".*\"error\":\"([^\"]*)\"\\}");
    static const std::regex kJsonIds("\"(cluster_id|member_id|raft_term|ID)\":[0-9]+");
    output = std::regex_replace(output, kClientLog, "client retry: $1");
    output = std::regex_replace(output, kGranted, "lease <id> granted");
    output = std::regex_replace(output, kLeaseLine, "lease <id> ");
    output = std::regex_replace(output, kJsonIds, "\"$1\":<n>");
    std::string out;
    size_t start = 0;
    while (start < output.size()) {
        size_t end = output.find('\n', start);
        if (end == std::string::npos) {
            end = output.size();
        }
        std::string line = output.substr(start, end - start);
        out += std::regex_match(line, kHexId) ? "<id>" : line;
        out += '\n';
        start = end + 1;
    }
    return out;
}

std::string GrantedLease(const std::string& output) {
    static const std::regex kGranted("lease ([0-9a-f]+) granted");
    std::smatch match;
    return std::regex_search(output, match, kGranted) ? match[1].str() : "";
}

// Runs `steps` against `endpoints`; one normalized transcript entry per step.
std::vector<std::string> RunScript(const std::string& endpoints, const std::vector<Step>& steps) {
    std::vector<std::string> transcript;
    std::string lease;
    for (const Step& step : steps) {
        std::string args = step.args;
        if (const size_t at = args.find("$LEASE"); at != std::string::npos) {
            args.replace(at, 6, lease);
        }
        const EtcdctlResult result = Etcdctl(endpoints, args, step.stdin_text);
        if (const std::string granted = GrantedLease(result.output); !granted.empty()) {
            lease = granted;
        }
        transcript.push_back("$ etcdctl " + step.args + "\nexit " + std::to_string(result.exit_code)
                             + "\n" + Normalize(result.output));
    }
    return transcript;
}

bool WaitUntilServing(const std::string& endpoints) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (Etcdctl(endpoints, "get probe").exit_code == 0) {
            return true;
        }
        std::this_thread::sleep_for(100ms);
    }
    return false;
}

const std::vector<Step>& Script() {
    static const std::vector<Step> steps = {
        // KV: put, get in its forms, prev_kv, delete.
        {"put k1 v1"},
        {"put k2 v2"},
        {"put k3 v3"},
        {"get k1"},
        {"get k --prefix"},
        {"get k --prefix --keys-only"},
        {"get k --prefix --limit 2"},
        {"get k --prefix --sort-by=MODIFY --order=DESCEND"},
        {"get --from-key k2"},
        {"get k1 --print-value-only"},
        {"get k1 -w json"},
        {"put k1 v1b --prev-kv"},
        {"get k1 --rev 1"},
        {"get k1 --rev 4 -w json"},
        {"del k2"},
        {"del k2"},
        {"del k --prefix --prev-kv"},
        {"get k --prefix -w json"},
        // Txn: both branches.
        {"txn", "value(\"k1\") = \"v1\"\n\nput k1 a\n\nput k1 b\n\n"},
        {"put k1 v1"},
        {"txn", "value(\"k1\") = \"v1\"\n\nput k1 a\nput t2 x\n\nput k1 b\n\n"},
        {"get k1 -w json"},
        {"txn", "mod(\"k1\") > \"0\"\n\nget k1\n\n\n"},
        // Errors the server decides.
        {"txn", "\n\nput d x\nput d y\n\n\n"},
        {"compaction 100000"},
        {"compaction 3"},
        {"get k1 --rev 2"},
        {"compaction 3"},
        // Leases.
        {"lease grant 100"},
        {"put lk lv --lease=$LEASE"},
        {"lease timetolive $LEASE --keys"},
        {"lease list"},
        {"lease revoke $LEASE"},
        {"get lk"},
        {"lease revoke $LEASE"},
        {"lease timetolive $LEASE"},
        {"put lk2 lv --lease=1234"},
        // Alarms: none raised.
        {"alarm list"},
        // Lock: held while the command runs, released after (a lease of its own).
        {"lock l1 echo held"},
        {"get l1 --prefix -w json"},
    };
    return steps;
}

TEST(EtcdctlDifferential, SameScriptSameOutputOnEtcdAndKeeld) {
    ASSERT_TRUE(EtcdProcess::Installed()) << "etcd is not installed: run scripts/setup.sh";
    EtcdProcess etcd;
    ASSERT_TRUE(WaitForPort(etcd.port(), 20s)) << etcd.Log();
    KeeldCluster keel;
    ASSERT_TRUE(keel.WaitForLeader().has_value()) << keel.Logs();
    // Readiness probes write nothing: both stores must start at the same revision.
    ASSERT_TRUE(WaitUntilServing(etcd.target())) << etcd.Log();
    ASSERT_TRUE(WaitUntilServing(keel.Endpoints())) << keel.Logs();

    const std::vector<std::string> expected = RunScript(etcd.target(), Script());
    const std::vector<std::string> actual = RunScript(keel.Endpoints(), Script());
    ASSERT_EQ(expected.size(), actual.size());
    int differences = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(actual[i], expected[i]) << "step " << i << " differs (keel vs etcd)";
        differences += actual[i] == expected[i] ? 0 : 1;
    }
    if (differences != 0 || std::getenv("KEEL_DIFF_PRINT") != nullptr) {
        for (size_t i = 0; i < expected.size(); ++i) {
            std::printf(
                "--- step %zu, etcd:\n%s--- keel:\n%s", i, expected[i].c_str(), actual[i].c_str());
        }
    }
    EXPECT_EQ(differences, 0) << keel.Logs();
}

}  // namespace
}  // namespace keel::testing
