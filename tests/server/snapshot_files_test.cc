// Receiving a checkpoint and the crash-safe install order (server/snapshot_files.h).
#include "server/snapshot_files.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "server/checkpoint_archive.h"
#include "storage/posix_file_system.h"

namespace keel::server {
namespace {

class SnapshotFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keel-snapfiles-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        ASSERT_TRUE(fs_.CreateDir(SnapshotDirPath(dir_)).ok());
    }

    void TearDown() override { std::filesystem::remove_all(dir_); }

    // A leader's store with `entries` puts applied, packed as a follower would receive it.
    std::string LeaderArchive(uint64_t entries) {
        auto store = kv::MvccStore::Open(dir_ + "/leader", {});
        EXPECT_TRUE(store.ok());
        for (uint64_t i = 1; i <= entries; ++i) {
            (*store)->ApplyPut(kv::ApplyContext{.index = Index(i)},
                               kv::PutRequest{.key = "k" + std::to_string(i), .value = "v"});
        }
        EXPECT_TRUE((*store)->CreateCheckpoint(dir_ + "/ckpt").ok());
        auto archive = PackCheckpoint(fs_, dir_ + "/ckpt", 64 << 20);
        EXPECT_TRUE(archive.ok());
        return *archive;
    }

    static raft::Snapshot At(uint64_t index, std::string data) {
        return raft::Snapshot{.meta = {.index = Index(index), .term = Term(1)},
                              .data = std::move(data)};
    }

    storage::PosixFileSystem fs_;
    std::string dir_;
};

TEST_F(SnapshotFilesTest, InterruptedInstallIsCompletedOnOpen) {
    const auto path = ReceiveCheckpoint(fs_, dir_, At(15, LeaderArchive(20)));
    ASSERT_TRUE(path.ok()) << path.status();
    // The follower's own store is at 3; the marker at 15 was written, then it crashed.
    {
        auto store = kv::MvccStore::Open(dir_ + "/kv", {});
        ASSERT_TRUE(store.ok());
        for (uint64_t i = 1; i <= 3; ++i) {
            (*store)->ApplyNoop(kv::ApplyContext{.index = Index(i)});
        }
    }
    auto store = OpenStore(fs_, dir_, dir_ + "/kv", raft::SnapshotMeta{.index = Index(15)});
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->applied_index(), Index(20));
    EXPECT_EQ((*store)->Range(kv::RangeRequest{.key = "k17"})->kvs.size(), 1U);
    EXPECT_FALSE(std::filesystem::exists(*path));
}

TEST_F(SnapshotFilesTest, CrashBeforeTheMarkerKeepsTheOldStoreAndCleansUp) {
    const auto path = ReceiveCheckpoint(fs_, dir_, At(15, LeaderArchive(20)));
    ASSERT_TRUE(path.ok()) << path.status();
    auto store = OpenStore(fs_, dir_, dir_ + "/kv", std::nullopt);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->applied_index(), Index());
    EXPECT_FALSE(std::filesystem::exists(*path));  // the received checkpoint is dropped
}

TEST_F(SnapshotFilesTest, StoreBehindTheMarkerWithoutACheckpointIsDataLoss) {
    auto store = OpenStore(fs_, dir_, dir_ + "/kv", raft::SnapshotMeta{.index = Index(15)});
    EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
}

TEST_F(SnapshotFilesTest, CheckpointOlderThanItsSnapshotIsRefused) {
    const auto path = ReceiveCheckpoint(fs_, dir_, At(25, LeaderArchive(20)));
    EXPECT_EQ(path.status().code(), absl::StatusCode::kFailedPrecondition) << path.status();
    EXPECT_TRUE(std::filesystem::is_empty(SnapshotDirPath(dir_)));
}

TEST_F(SnapshotFilesTest, GarbageFromAPeerIsDataLoss) {
    const auto path = ReceiveCheckpoint(fs_, dir_, At(5, "not an archive"));
    EXPECT_EQ(path.status().code(), absl::StatusCode::kDataLoss) << path.status();
    EXPECT_TRUE(std::filesystem::is_empty(SnapshotDirPath(dir_)));
}

}  // namespace
}  // namespace keel::server
