// Log compaction on one member: the WAL stays bounded and a restart from a compacted WAL (a
// snapshot marker, then the log after it) recovers everything.
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "server/raft_node.h"

namespace keel::server {
namespace {

using namespace std::chrono_literals;

class RaftNodeSnapshotTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keel-nodesnap-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        auto cluster = ParseInitialCluster("solo=http://127.0.0.1:1");
        ASSERT_TRUE(cluster.ok());
        cluster_ = *cluster;
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
                                                   .wal = {.segment_bytes = 32 * 1024},
                                                   .snapshot_count = 100,
                                                   .snapshot_catchup_entries = 50});
        ASSERT_TRUE(node.ok()) << node.status();
        node_ = *std::move(node);
        node_->Start();
        // Reads fail fast without a leader; wait for this member to win its election.
        const Deadline deadline = Clock::now() + 5s;
        while (node_->View().leader != node_->id() && Clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        ASSERT_EQ(node_->View().leader, node_->id());
    }

    void Put(const std::string& key, const std::string& value) {
        keel::v1::Command command;
        command.mutable_put()->set_key(key);
        command.mutable_put()->set_value(value);
        const auto put = node_->Propose(std::move(command), Clock::now() + 5s);
        ASSERT_TRUE(put.ok()) << put.status();
    }

    std::string Get(const std::string& key) {
        EXPECT_TRUE(node_->WaitReadIndex(Clock::now() + 5s).ok());
        auto range = node_->Range(kv::RangeRequest{.key = key});
        EXPECT_TRUE(range.ok()) << range.status();
        return range.ok() && !range->kvs.empty() ? range->kvs[0].value : "";
    }

    uint64_t WalBytes() const {
        uint64_t bytes = 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/wal")) {
            bytes += entry.file_size();
        }
        return bytes;
    }

    std::string dir_;
    ClusterConfig cluster_;
    std::unique_ptr<RaftNode> node_;
};

TEST_F(RaftNodeSnapshotTest, WalStaysBoundedAndRestartRecoversFromTheMarker) {
    Open();
    const std::string value(100, 'v');
    uint64_t wal_bytes_max = 0;
    for (int i = 0; i < 2000; ++i) {
        Put("key" + std::to_string(i % 300), value + std::to_string(i));
        if (i % 100 == 99) {
            wal_bytes_max = std::max(wal_bytes_max, WalBytes());
        }
    }
    // Without compaction 2000 entries of ~150 bytes fill ~10 segments of 32 KiB. With it the
    // log keeps snapshot_catchup_entries (50) to snapshot_count + 50 (150) entries: at most a
    // few segments.
    EXPECT_LE(wal_bytes_max, 4U * 32 * 1024);
    const NodeView before = node_->View();
    // Key k was last written by put i = the largest i < 2000 with i % 300 == k.
    EXPECT_EQ(Get("key199"), value + "1999");

    // Restart from the compacted WAL: the marker, then the log after it.
    Open();
    EXPECT_EQ(Get("key199"), value + "1999");
    EXPECT_EQ(Get("key299"), value + "1799");
    EXPECT_EQ(Get("key0"), value + "1800");
    EXPECT_GE(node_->View().applied, before.applied);
    Put("after", "restart");
    EXPECT_EQ(Get("after"), "restart");
    EXPECT_EQ(node_->revision(), Revision(2002));
}

}  // namespace
}  // namespace keel::server
