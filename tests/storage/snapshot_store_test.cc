#include "storage/snapshot_store.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "base/rng.h"
#include "sim/sim_file_system.h"

namespace keel::storage {
namespace {

constexpr char kDir[] = "/node/snap";
constexpr uint32_t kChunkBytes = 1024;

raft::Snapshot MakeSnapshot(uint64_t index, uint64_t term, size_t data_bytes) {
    raft::Snapshot snapshot;
    snapshot.meta = {.index = Index(index), .term = Term(term)};
    snapshot.meta.conf_state.voters = {NodeId(1), NodeId(2), NodeId(3)};
    base::Rng rng(index);
    snapshot.data.resize(data_bytes);
    for (char& c : snapshot.data) {
        c = static_cast<char>(rng.Next());
    }
    return snapshot;
}

std::string SnapshotPath(uint64_t index, uint64_t term) {
    char name[64];
    std::snprintf(name,
                  sizeof(name),
                  "snap-%016llx-%016llx.snap",
                  static_cast<unsigned long long>(index),
                  static_cast<unsigned long long>(term));
    return JoinPath(kDir, name);
}

class SnapshotStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto store = SnapshotStore::Open(fs_, kDir, {.chunk_bytes = kChunkBytes});
        ASSERT_TRUE(store.ok()) << store.status();
        store_ = std::move(*store);
    }

    sim::SimFileSystem fs_{5};
    std::unique_ptr<SnapshotStore> store_;
};

TEST_F(SnapshotStoreTest, SaveAndLoadRoundTrip) {
    for (const size_t size :
         {size_t{0}, size_t{1}, size_t{kChunkBytes}, size_t{3 * kChunkBytes + 7}}) {
        const raft::Snapshot snapshot = MakeSnapshot(10 + size, 2, size);
        ASSERT_TRUE(store_->Save(snapshot).ok());
        auto loaded = store_->Load(snapshot.meta.index, snapshot.meta.term);
        ASSERT_TRUE(loaded.ok()) << loaded.status();
        EXPECT_EQ(*loaded, snapshot) << "size " << size;
    }
}

TEST_F(SnapshotStoreTest, SavedSnapshotIsDurable) {
    ASSERT_TRUE(store_->Save(MakeSnapshot(7, 1, 5000)).ok());
    fs_.Crash(sim::CrashMode::kTear);
    auto loaded = store_->Load(Index(7), Term(1));
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_EQ(*loaded, MakeSnapshot(7, 1, 5000));
}

TEST_F(SnapshotStoreTest, UnfinishedSnapshotIsInvisibleAndCleanedUp) {
    auto writer = store_->Create(MakeSnapshot(9, 1, 0).meta);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append(std::string(3000, 'x')).ok());
    EXPECT_TRUE(absl::IsNotFound(store_->Load(Index(9), Term(1)).status()));
    fs_.Crash(sim::CrashMode::kTear);  // the writer never finished
    writer->reset();
    auto reopened = SnapshotStore::Open(fs_, kDir, {.chunk_bytes = kChunkBytes});
    ASSERT_TRUE(reopened.ok());
    auto names = fs_.ListDir(kDir);
    ASSERT_TRUE(names.ok());
    EXPECT_TRUE(names->empty());
}

TEST_F(SnapshotStoreTest, CorruptChunkIsDetectedAndNamed) {
    const raft::Snapshot snapshot = MakeSnapshot(20, 3, 4 * kChunkBytes);
    ASSERT_TRUE(store_->Save(snapshot).ok());
    // A bit in the third chunk's data.
    const uint64_t meta_bytes = 17 + 4 * 4 + 3 * 8;
    const uint64_t chunk2 = kSnapshotHeaderBytes + meta_bytes + 2 * (kChunkCrcBytes + kChunkBytes);
    ASSERT_TRUE(fs_.FlipBit(SnapshotPath(20, 3), chunk2 + kChunkCrcBytes + 100, 6).ok());
    const absl::Status status = store_->Load(Index(20), Term(3)).status();
    ASSERT_TRUE(absl::IsDataLoss(status)) << status;
    EXPECT_NE(status.message().find("chunk 2"), std::string::npos) << status;
    EXPECT_NE(status.message().find("offset " + std::to_string(chunk2)), std::string::npos)
        << status;
}

TEST_F(SnapshotStoreTest, CorruptMetadataIsDetected) {
    ASSERT_TRUE(store_->Save(MakeSnapshot(21, 3, 100)).ok());
    ASSERT_TRUE(fs_.FlipBit(SnapshotPath(21, 3), kSnapshotHeaderBytes + 2, 0).ok());
    EXPECT_TRUE(absl::IsDataLoss(store_->Load(Index(21), Term(3)).status()));
}

TEST_F(SnapshotStoreTest, TruncatedFileIsDetected) {
    ASSERT_TRUE(store_->Save(MakeSnapshot(22, 3, 3 * kChunkBytes)).ok());
    {
        auto file = fs_.Open(SnapshotPath(22, 3), OpenMode::kReadWrite);
        ASSERT_TRUE(file.ok());
        auto size = (*file)->Size();
        ASSERT_TRUE((*file)->Truncate(*size - kChunkBytes - kChunkCrcBytes).ok());
    }
    const absl::Status status = store_->Load(Index(22), Term(3)).status();
    EXPECT_TRUE(absl::IsDataLoss(status)) << status;
}

TEST_F(SnapshotStoreTest, ListAndRemoveOlder) {
    for (uint64_t index : {5, 50, 500}) {
        ASSERT_TRUE(store_->Save(MakeSnapshot(index, 1, 10)).ok());
    }
    auto infos = store_->List();
    ASSERT_TRUE(infos.ok());
    ASSERT_EQ(infos->size(), 3U);
    EXPECT_EQ(infos->front().index, Index(5));
    EXPECT_EQ(infos->back().index, Index(500));
    ASSERT_TRUE(store_->RemoveOlderThan(Index(500)).ok());
    fs_.Crash(sim::CrashMode::kDropUnsynced);
    infos = store_->List();
    ASSERT_TRUE(infos.ok());
    ASSERT_EQ(infos->size(), 1U);
    EXPECT_EQ(infos->front().index, Index(500));
}

TEST_F(SnapshotStoreTest, FullDiskFailsTheSaveAndLeavesNoSnapshot) {
    fs_.SetCapacityBytes(2000);
    const absl::Status status = store_->Save(MakeSnapshot(30, 1, 5000));
    EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
    EXPECT_TRUE(absl::IsNotFound(store_->Load(Index(30), Term(1)).status()));
}

TEST_F(SnapshotStoreTest, SavingTheSameSnapshotTwiceIsRefused) {
    ASSERT_TRUE(store_->Save(MakeSnapshot(40, 1, 10)).ok());
    EXPECT_TRUE(absl::IsAlreadyExists(store_->Save(MakeSnapshot(40, 1, 10))));
}

}  // namespace
}  // namespace keel::storage
