// A member whose WAL disk fills up: it turns read-only (clear errors, serializable reads still
// served), loses nothing, and resumes by itself once space is freed. The WAL runs on a
// simulated disk (src/sim) that fails segment preallocation with ENOSPC on demand.
#include <cerrno>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "server/errors.h"
#include "server/raft_node.h"
#include "sim/sim_file_system.h"

namespace keel::server {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kSegmentBytes = 64 * 1024;
constexpr size_t kValueBytes = 4 * 1024;
// Enough puts of kValueBytes to fill several segments.
constexpr int kPutsMax = 64;

class RaftNodeDiskFullTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keel-diskfull-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        auto cluster = ParseInitialCluster("solo=http://127.0.0.1:1");
        ASSERT_TRUE(cluster.ok());
        cluster_ = *cluster;
        disk_ = std::make_shared<sim::SimFileSystem>(/*seed=*/7);
    }

    void TearDown() override {
        node_.reset();
        std::filesystem::remove_all(dir_);
    }

    void Open() {
        node_.reset();
        auto node = RaftNode::Open(RaftNodeOptions{.data_dir = dir_,
                                                   .cluster = cluster_,
                                                   .self = cluster_.members[0].id,
                                                   .tick_interval = 5ms,
                                                   .file_system = disk_,
                                                   .wal = {.segment_bytes = kSegmentBytes}});
        ASSERT_TRUE(node.ok()) << node.status();
        node_ = *std::move(node);
        node_->Start();
    }

    absl::StatusOr<CommandResponse> Put(const std::string& key,
                                        const std::string& value,
                                        std::chrono::milliseconds timeout = 5s) {
        keel::v1::Command command;
        command.mutable_put()->set_key(key);
        command.mutable_put()->set_value(value);
        return node_->Propose(std::move(command), Clock::now() + timeout);
    }

    // The value of `key` in this member's store, read without Raft (serializable).
    std::string LocalGet(const std::string& key) {
        auto range = node_->Range(kv::RangeRequest{.key = key});
        EXPECT_TRUE(range.ok()) << range.status();
        return range.ok() && !range->kvs.empty() ? range->kvs[0].value : "";
    }

    template <typename Predicate>
    static bool WaitFor(Predicate done) {
        const Deadline deadline = Clock::now() + 10s;
        while (!done() && Clock::now() < deadline) {
            std::this_thread::sleep_for(2ms);
        }
        return done();
    }

    std::string dir_;
    ClusterConfig cluster_;
    std::shared_ptr<sim::SimFileSystem> disk_;
    std::unique_ptr<RaftNode> node_;
};

TEST_F(RaftNodeDiskFullTest, FullDiskMakesTheMemberReadOnlyUntilSpaceIsFreed) {
    Open();
    ASSERT_TRUE(Put("before", "1").ok());

    // From now on every new segment fails to preallocate, as on a full disk.
    disk_->InjectFault(sim::FaultRule{.op = sim::FsOp::kPreallocate,
                                      .error_number = ENOSPC,
                                      .path_contains = ".wal.tmp",
                                      .count = 1'000'000});
    const std::string value(kValueBytes, 'v');
    int accepted = 0;
    for (; accepted < kPutsMax && !node_->disk_full(); ++accepted) {
        // The put that meets the full disk cannot apply: it times out (its outcome is
        // unknown to the client) and applies once space is freed.
        (void)Put("fill/" + std::to_string(accepted), value, 300ms);
    }
    ASSERT_TRUE(node_->disk_full()) << "the WAL never needed a new segment";

    // Read-only: writes and linearizable reads fail at once with a clear error...
    const auto refused = Put("during", "x");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(refused.status().message().find("disk is full"), std::string::npos)
        << refused.status();
    EXPECT_EQ(node_->WaitReadIndex(Clock::now() + 1s).code(), absl::StatusCode::kResourceExhausted);
    // ...serializable reads keep working.
    EXPECT_EQ(LocalGet("before"), "1");

    // Space is freed: the member resumes by itself, and the stalled write applies.
    disk_->ClearFaults();
    ASSERT_TRUE(WaitFor([&] { return !node_->disk_full(); }));
    ASSERT_TRUE(Put("after", "2").ok());
    const std::string last_fill = "fill/" + std::to_string(accepted - 1);
    EXPECT_TRUE(WaitFor([&] { return LocalGet(last_fill) == value; }));
    EXPECT_EQ(LocalGet("during"), "");  // refused, so never applied

    // Nothing was corrupted: a restart recovers every write from the WAL.
    Open();
    ASSERT_TRUE(WaitFor([&] { return node_->View().leader == node_->id(); }));
    ASSERT_TRUE(node_->WaitReadIndex(Clock::now() + 5s).ok());
    EXPECT_EQ(LocalGet("before"), "1");
    EXPECT_EQ(LocalGet("after"), "2");
    for (int i = 0; i < accepted; ++i) {
        EXPECT_EQ(LocalGet("fill/" + std::to_string(i)), value) << i;
    }
}

}  // namespace
}  // namespace keel::server
