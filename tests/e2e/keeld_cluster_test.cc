// keeld end to end: a three-member cluster of real processes on loopback, driven by the real
// etcdctl (3.4). Covers the KV commands, writes through a follower (forwarded to the leader),
// leader failure (SIGKILL) and catch-up, and durability of acknowledged writes across a crash
// of every member.
#include "e2e/keeld_cluster.h"

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace keel::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kRetryFor = 20s;

// Retries `args` until it exits 0 and prints `expected`, or kRetryFor passes (elections and
// restarts make the first attempts fail).
::testing::AssertionResult EventuallyOutputs(const std::string& endpoints,
                                             const std::string& args,
                                             const std::string& expected) {
    const auto deadline = std::chrono::steady_clock::now() + kRetryFor;
    EtcdctlResult last;
    while (std::chrono::steady_clock::now() < deadline) {
        last = Etcdctl(endpoints, args);
        if (last.exit_code == 0 && last.output == expected) {
            return ::testing::AssertionSuccess();
        }
        std::this_thread::sleep_for(200ms);
    }
    return ::testing::AssertionFailure()
           << "etcdctl " << args << " exited " << last.exit_code << " with:\n"
           << last.output << "\nwanted:\n"
           << expected;
}

class KeeldClusterTest : public ::testing::Test {
protected:
    void SetUp() override {
        leader_ = cluster_.WaitForLeader();
        ASSERT_TRUE(leader_.has_value()) << cluster_.Logs();
    }

    // Any member that is not the leader.
    int Follower() const { return (*leader_ + 1) % cluster_.size(); }

    std::string Endpoint(int i) const { return "http://" + cluster_.ClientAddress(i); }

    KeeldCluster cluster_;
    std::optional<int> leader_;
};

TEST_F(KeeldClusterTest, PutGetDelTxnCompactionThroughEtcdctl) {
    const std::string all = cluster_.Endpoints();
    // Through a follower: the write is forwarded to the leader.
    EtcdctlResult put = Etcdctl(Endpoint(Follower()), "put foo bar");
    ASSERT_EQ(put.exit_code, 0) << put.output << cluster_.Logs();
    EXPECT_EQ(put.output, "OK\n");
    EXPECT_EQ(Etcdctl(all, "get foo").output, "foo\nbar\n");
    EXPECT_EQ(Etcdctl(Endpoint(Follower()), "get foo --print-value-only").output, "bar\n");

    const EtcdctlResult txn =
        Etcdctl(all, "txn", "value(\"foo\") = \"bar\"\n\nput foo baz\n\nput foo nope\n\n");
    ASSERT_EQ(txn.exit_code, 0) << txn.output;
    EXPECT_EQ(txn.output, "SUCCESS\n\nOK\n");
    EXPECT_EQ(Etcdctl(all, "get foo --print-value-only").output, "baz\n");
    const EtcdctlResult failed =
        Etcdctl(all, "txn", "value(\"foo\") = \"bar\"\n\nput foo x\n\nget foo\n\n");
    EXPECT_EQ(failed.output, "FAILURE\n\nfoo\nbaz\n");

    EXPECT_EQ(Etcdctl(all, "put foo2 v").exit_code, 0);
    EXPECT_EQ(Etcdctl(all, "get foo --prefix --keys-only").output, "foo\n\nfoo2\n\n");
    EXPECT_EQ(Etcdctl(all, "del foo --prefix").output, "2\n");
    EXPECT_EQ(Etcdctl(all, "get foo --prefix").output, "");

    // Revisions: foo bar (2), foo baz (3), foo2 (4), delete (5). Compact to 4.
    EXPECT_EQ(Etcdctl(all, "compaction 4").output, "compacted revision 4\n");
    const EtcdctlResult old = Etcdctl(all, "get foo --rev=3");
    EXPECT_NE(old.exit_code, 0);
    EXPECT_NE(old.output.find("required revision has been compacted"), std::string::npos)
        << old.output;

    const EtcdctlResult empty_key = Etcdctl(all, "put '' v");
    EXPECT_NE(empty_key.exit_code, 0);
    EXPECT_NE(empty_key.output.find("key is not provided"), std::string::npos) << empty_key.output;
}

TEST_F(KeeldClusterTest, EndpointStatusAndMemberList) {
    const EtcdctlResult status = Etcdctl(cluster_.Endpoints(), "endpoint status -w json");
    ASSERT_EQ(status.exit_code, 0) << status.output;
    EXPECT_NE(status.output.find("\"version\":\"3.4.23-keel\""), std::string::npos)
        << status.output;
    const EtcdctlResult members = Etcdctl(Endpoint(0), "member list");
    ASSERT_EQ(members.exit_code, 0) << members.output;
    for (const char* name : {"m1", "m2", "m3"}) {
        EXPECT_NE(members.output.find(std::string(", ") + name + ", "), std::string::npos)
            << members.output;
    }
}

TEST_F(KeeldClusterTest, WritesSurviveLeaderCrashAndTheOldLeaderCatchesUp) {
    ASSERT_EQ(Etcdctl(cluster_.Endpoints(), "put k before").exit_code, 0) << cluster_.Logs();
    const int old_leader = *leader_;
    cluster_.Kill(old_leader);
    // The two survivors elect a leader and accept the write.
    std::string survivors;
    for (int i = 0; i < cluster_.size(); ++i) {
        if (i != old_leader) {
            survivors += (survivors.empty() ? "" : ",") + Endpoint(i);
        }
    }
    ASSERT_TRUE(EventuallyOutputs(survivors, "put k after", "OK\n")) << cluster_.Logs();
    EXPECT_TRUE(EventuallyOutputs(survivors, "get k --print-value-only", "after\n"));

    // Restarted, the old leader recovers its log and catches up from the new leader; a
    // serializable read on it alone then sees the new value.
    cluster_.Start(old_leader);
    EXPECT_TRUE(EventuallyOutputs(
        Endpoint(old_leader), "get k --print-value-only --consistency=s", "after\n"))
        << cluster_.Log(old_leader);
}

TEST_F(KeeldClusterTest, AcknowledgedWritesSurviveACrashOfEveryMember) {
    constexpr int kKeys = 20;
    for (int i = 0; i < kKeys; ++i) {
        const EtcdctlResult put =
            Etcdctl(cluster_.Endpoints(), "put key" + std::to_string(i) + " v" + std::to_string(i));
        ASSERT_EQ(put.exit_code, 0) << put.output << cluster_.Logs();
    }
    for (int i = 0; i < cluster_.size(); ++i) {
        cluster_.Kill(i);
    }
    for (int i = 0; i < cluster_.size(); ++i) {
        cluster_.Start(i);
    }
    ASSERT_TRUE(cluster_.WaitForLeader().has_value()) << cluster_.Logs();
    EXPECT_TRUE(EventuallyOutputs(cluster_.Endpoints(), "get key7 --print-value-only", "v7\n"))
        << cluster_.Logs();
    const EtcdctlResult all = Etcdctl(cluster_.Endpoints(), "get key --prefix -w json");
    ASSERT_EQ(all.exit_code, 0) << all.output << cluster_.Logs();
    EXPECT_NE(all.output.find("\"count\":20"), std::string::npos) << all.output;
}

TEST_F(KeeldClusterTest, SigtermShutsDownCleanlyAndRestarts) {
    ASSERT_EQ(Etcdctl(cluster_.Endpoints(), "put clean yes").exit_code, 0) << cluster_.Logs();
    for (int i = 0; i < cluster_.size(); ++i) {
        EXPECT_TRUE(cluster_.Stop(i)) << cluster_.Log(i);
    }
    for (int i = 0; i < cluster_.size(); ++i) {
        cluster_.Start(i);
    }
    EXPECT_TRUE(EventuallyOutputs(cluster_.Endpoints(), "get clean --print-value-only", "yes\n"))
        << cluster_.Logs();
}

}  // namespace
}  // namespace keel::testing
