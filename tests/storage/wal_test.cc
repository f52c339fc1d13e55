#include "storage/wal.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "sim/sim_file_system.h"
#include "storage_test_util.h"

namespace keel::storage {
namespace {

using sim::CrashMode;
using sim::FaultRule;
using sim::FsOp;
using sim::SimFileSystem;
using testing::MakeEntries;
using testing::MakeEntry;

constexpr char kDir[] = "/node/wal";
constexpr uint64_t kSegmentBytes = 4096;

class WalTest : public ::testing::Test {
protected:
    WalOpened Open() {
        auto opened = Wal::Open(fs_, kDir, WalOptions{.segment_bytes = kSegmentBytes});
        EXPECT_TRUE(opened.ok()) << opened.status();
        if (!opened.ok()) {
            return {};
        }
        opened->wal->CheckInvariants();
        return std::move(*opened);
    }

    SimFileSystem fs_{11};
};

TEST_F(WalTest, NewWalIsEmpty) {
    WalOpened opened = Open();
    EXPECT_TRUE(opened.contents.entries.empty());
    EXPECT_EQ(opened.contents.hard_state, raft::HardState{});
    EXPECT_FALSE(opened.contents.snapshot.has_value());
    EXPECT_EQ(opened.wal->last_index(), Index(0));
    EXPECT_EQ(opened.wal->first_index(), Index(1));
}

TEST_F(WalTest, SyncedRecordsSurviveAReopen) {
    const raft::HardState hs{.term = Term(2), .voted_for = NodeId(3), .commit = Index(4)};
    {
        WalOpened opened = Open();
        ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 5, 2)).ok());
        ASSERT_TRUE(opened.wal->SaveHardState(hs).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
        EXPECT_EQ(opened.wal->synced_last_index(), Index(5));
    }
    fs_.Crash(CrashMode::kDropUnsynced);
    WalOpened opened = Open();
    EXPECT_EQ(opened.contents.entries, MakeEntries(1, 5, 2));
    EXPECT_EQ(opened.contents.hard_state, hs);
    EXPECT_EQ(opened.wal->last_index(), Index(5));
}

TEST_F(WalTest, NothingIsDurableBeforeSync) {
    {
        WalOpened opened = Open();
        ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 2, 1)).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
        ASSERT_TRUE(opened.wal->Append(MakeEntries(3, 4, 1)).ok());
        EXPECT_EQ(opened.wal->synced_last_index(), Index(2));
        EXPECT_GT(opened.wal->pending_bytes(), 0U);
    }
    fs_.Crash(CrashMode::kDropUnsynced);
    EXPECT_EQ(Open().contents.entries, MakeEntries(1, 2, 1));
}

TEST_F(WalTest, OneSyncIsOneFdatasync) {
    WalOpened opened = Open();
    const uint64_t before = fs_.sync_count();
    for (uint64_t i = 1; i <= 20; ++i) {
        ASSERT_TRUE(opened.wal->Append(MakeEntries(i, i, 1)).ok());
    }
    ASSERT_TRUE(opened.wal->Sync().ok());
    EXPECT_EQ(fs_.sync_count(), before + 1);
    EXPECT_EQ(opened.wal->sync_count(), 1U);
}

TEST_F(WalTest, SuffixTruncationIsReplayedOnRecovery) {
    {
        WalOpened opened = Open();
        ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 10, 1)).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
        // A new leader's log conflicts from index 6.
        ASSERT_TRUE(opened.wal->Append(MakeEntries(6, 7, 2)).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
        EXPECT_EQ(opened.wal->last_index(), Index(7));
    }
    std::vector<raft::Entry> expected = MakeEntries(1, 5, 1);
    for (const raft::Entry& entry : MakeEntries(6, 7, 2)) {
        expected.push_back(entry);
    }
    EXPECT_EQ(Open().contents.entries, expected);
}

TEST_F(WalTest, SuffixTruncationAcrossSegments) {
    {
        WalOpened opened = Open();
        ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 200, 1, 64)).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
        ASSERT_GT(opened.wal->segment_count(), 3U);
        ASSERT_TRUE(opened.wal->Append(MakeEntries(30, 40, 3, 64)).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
    }
    std::vector<raft::Entry> expected = MakeEntries(1, 29, 1, 64);
    for (const raft::Entry& entry : MakeEntries(30, 40, 3, 64)) {
        expected.push_back(entry);
    }
    WalOpened opened = Open();
    EXPECT_EQ(opened.contents.entries, expected);
    // The log continues from the truncated end, and that survives a reopen too.
    ASSERT_TRUE(opened.wal->Append(MakeEntries(41, 41, 3, 64)).ok());
    ASSERT_TRUE(opened.wal->Sync().ok());
    opened.wal.reset();
    EXPECT_EQ(Open().contents.entries.back(), MakeEntries(41, 41, 3, 64).back());
}

TEST_F(WalTest, AppendRejectsGapsAndDisorder) {
    WalOpened opened = Open();
    ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 3, 2)).ok());
    EXPECT_TRUE(absl::IsFailedPrecondition(opened.wal->Append(MakeEntries(5, 5, 2))));
    EXPECT_TRUE(absl::IsFailedPrecondition(opened.wal->Append(MakeEntries(4, 4, 1))));
    const std::vector<raft::Entry> holey = {MakeEntry(4, 2), MakeEntry(6, 2)};
    EXPECT_TRUE(absl::IsInvalidArgument(opened.wal->Append(holey)));
    const std::vector<raft::Entry> too_big = {MakeEntry(4, 2, std::string(kSegmentBytes, 'x'))};
    EXPECT_TRUE(absl::IsInvalidArgument(opened.wal->Append(too_big)));
    EXPECT_EQ(opened.wal->last_index(), Index(3));  // nothing of a refused batch was taken
    EXPECT_TRUE(opened.wal->failure().ok());        // and a refusal is not a failure
}

TEST_F(WalTest, SnapshotMatchingTheLogKeepsItsSuffix) {
    {
        WalOpened opened = Open();
        ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 10, 1)).ok());
        ASSERT_TRUE(opened.wal->SaveSnapshot({.index = Index(6), .term = Term(1)}).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
        EXPECT_EQ(opened.wal->first_index(), Index(7));
    }
    WalOpened opened = Open();
    ASSERT_TRUE(opened.contents.snapshot.has_value());
    EXPECT_EQ(opened.contents.snapshot->index, Index(6));
    EXPECT_EQ(opened.contents.entries, MakeEntries(7, 10, 1));
}

TEST_F(WalTest, InstalledSnapshotDiscardsAConflictingLog) {
    {
        WalOpened opened = Open();
        ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 10, 1)).ok());
        raft::SnapshotMeta meta{.index = Index(20), .term = Term(4)};
        meta.conf_state.voters = {NodeId(1), NodeId(2), NodeId(3)};
        ASSERT_TRUE(opened.wal->SaveSnapshot(meta).ok());
        ASSERT_TRUE(opened.wal->Append(MakeEntries(21, 22, 4)).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
    }
    WalOpened opened = Open();
    ASSERT_TRUE(opened.contents.snapshot.has_value());
    EXPECT_EQ(opened.contents.snapshot->index, Index(20));
    EXPECT_EQ(opened.contents.snapshot->conf_state.voters.size(), 3U);
    EXPECT_EQ(opened.contents.entries, MakeEntries(21, 22, 4));
}

TEST_F(WalTest, EntriesCoveredByTheSnapshotAreSkipped) {
    WalOpened opened = Open();
    ASSERT_TRUE(opened.wal->SaveSnapshot({.index = Index(5), .term = Term(2)}).ok());
    ASSERT_TRUE(opened.wal->Append(MakeEntries(3, 7, 2)).ok());
    EXPECT_EQ(opened.wal->first_index(), Index(6));
    EXPECT_EQ(opened.wal->last_index(), Index(7));
}

TEST_F(WalTest, ReleaseRemovesOnlySegmentsTheDurableSnapshotCovers) {
    WalOpened opened = Open();
    ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 300, 1, 64)).ok());
    ASSERT_TRUE(opened.wal->Sync().ok());
    const size_t before = opened.wal->segment_count();
    ASSERT_GT(before, 4U);
    // Without a durable snapshot nothing may go.
    ASSERT_TRUE(opened.wal->ReleaseTo(Index(250)).ok());
    EXPECT_EQ(opened.wal->segment_count(), before);
    ASSERT_TRUE(opened.wal->SaveSnapshot({.index = Index(150), .term = Term(1)}).ok());
    ASSERT_TRUE(opened.wal->ReleaseTo(Index(250)).ok());
    EXPECT_EQ(opened.wal->segment_count(), before);  // the marker is not synced yet
    ASSERT_TRUE(opened.wal->Sync().ok());
    ASSERT_TRUE(opened.wal->ReleaseTo(Index(250)).ok());
    EXPECT_LT(opened.wal->segment_count(), before);
    opened.wal.reset();
    fs_.Crash(CrashMode::kDropUnsynced);
    WalOpened reopened = Open();
    EXPECT_EQ(reopened.contents.entries, MakeEntries(151, 300, 1, 64));
}

TEST_F(WalTest, HardStateAndSnapshotSurviveTheReleaseOfTheirSegments) {
    const raft::HardState hs{.term = Term(1), .voted_for = NodeId(2), .commit = Index(10)};
    {
        WalOpened opened = Open();
        ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 10, 1, 64)).ok());
        ASSERT_TRUE(opened.wal->SaveHardState(hs).ok());
        ASSERT_TRUE(opened.wal->SaveSnapshot({.index = Index(10), .term = Term(1)}).ok());
        // Fill many segments without another hard state or marker record.
        ASSERT_TRUE(opened.wal->Append(MakeEntries(11, 400, 1, 64)).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
        ASSERT_TRUE(opened.wal->SaveSnapshot({.index = Index(380), .term = Term(1)}).ok());
        ASSERT_TRUE(opened.wal->Sync().ok());
        ASSERT_TRUE(opened.wal->ReleaseTo(Index(380)).ok());
        EXPECT_LE(opened.wal->segment_count(), 2U);
    }
    WalOpened opened = Open();
    EXPECT_EQ(opened.contents.hard_state, hs);
    ASSERT_TRUE(opened.contents.snapshot.has_value());
    EXPECT_EQ(opened.contents.snapshot->index, Index(380));
    EXPECT_EQ(opened.contents.entries, MakeEntries(381, 400, 1, 64));
}

TEST_F(WalTest, FullDiskOnANewSegmentIsAClearErrorAndTheLogStaysIntact) {
    WalOpened opened = Open();
    ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 10, 1, 64)).ok());
    ASSERT_TRUE(opened.wal->Sync().ok());
    fs_.SetCapacityBytes(kSegmentBytes + 100);  // no room for a second segment
    ASSERT_TRUE(opened.wal->Append(MakeEntries(11, 100, 1, 64)).ok());
    const absl::Status full = opened.wal->Sync();
    EXPECT_TRUE(absl::IsResourceExhausted(full)) << full;
    EXPECT_TRUE(opened.wal->failure().ok());  // nothing was torn: the Wal stays usable
    EXPECT_EQ(opened.wal->synced_last_index(), Index(10));
    // Space comes back; the same Sync succeeds.
    fs_.SetCapacityBytes(0);
    ASSERT_TRUE(opened.wal->Sync().ok());
    opened.wal.reset();
    fs_.Crash(CrashMode::kDropUnsynced);
    EXPECT_EQ(Open().contents.entries, MakeEntries(1, 100, 1, 64));
}

TEST_F(WalTest, FullDiskMidWriteFailsTheWalButRecoveryIsClean) {
    // A file system without preallocation runs out of space in the middle of a write.
    WalOpened opened = Open();
    ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 5, 1, 64)).ok());
    ASSERT_TRUE(opened.wal->Sync().ok());
    fs_.InjectFault(FaultRule{.op = FsOp::kWrite, .error_number = ENOSPC});
    ASSERT_TRUE(opened.wal->Append(MakeEntries(6, 8, 1, 64)).ok());
    EXPECT_TRUE(absl::IsResourceExhausted(opened.wal->Sync()));
    EXPECT_TRUE(absl::IsFailedPrecondition(opened.wal->Append(MakeEntries(9, 9, 1, 64))));
    opened.wal.reset();
    fs_.Crash(CrashMode::kTear);
    EXPECT_EQ(Open().contents.entries, MakeEntries(1, 5, 1, 64));
}

TEST_F(WalTest, FailedFsyncIsNeverRetried) {
    WalOpened opened = Open();
    ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 3, 1)).ok());
    fs_.InjectFault(FaultRule{.op = FsOp::kSync, .error_number = EIO});
    const uint64_t syncs = fs_.sync_count();
    EXPECT_FALSE(opened.wal->Sync().ok());
    EXPECT_TRUE(absl::IsFailedPrecondition(opened.wal->Sync()));
    EXPECT_EQ(fs_.sync_count(), syncs);  // the second call did not reach the disk
    EXPECT_EQ(opened.wal->synced_last_index(), Index(0));
}

TEST_F(WalTest, EioOnWriteFailsTheWal) {
    WalOpened opened = Open();
    fs_.InjectFault(FaultRule{.op = FsOp::kWrite, .error_number = EIO});
    ASSERT_TRUE(opened.wal->Append(MakeEntries(1, 3, 1)).ok());
    const absl::Status status = opened.wal->Sync();
    EXPECT_EQ(status.code(), absl::ErrnoToStatusCode(EIO)) << status;
    EXPECT_FALSE(opened.wal->failure().ok());
    EXPECT_TRUE(absl::IsFailedPrecondition(opened.wal->SaveHardState({.term = Term(9)})));
}

}  // namespace
}  // namespace keel::storage
