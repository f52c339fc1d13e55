// One test per recovery case of docs/storage-format.md ("Recovery"): what a torn tail looks
// like after a crash, and what corruption looks like, in every place it can be.
#include <cerrno>

#include <gtest/gtest.h>

#include "sim/sim_file_system.h"
#include "storage/wal.h"
#include "storage_test_util.h"

namespace keel::storage {
namespace {

using sim::SimFileSystem;
using testing::MakeEntries;

constexpr char kDir[] = "/wal";
constexpr uint64_t kSegmentBytes = 4096;
constexpr size_t kDataBytes = 100;
// An entry record with kDataBytes of data: frame header, entry header, data.
constexpr uint64_t kRecordBytes = kFrameHeaderBytes + kEntryHeaderBytes + kDataBytes;
// 4096 - 64 = 4032 = 32 * 126: exactly 32 entry records fill a segment.
constexpr uint64_t kRecordsPerSegment = 32;
static_assert((kSegmentBytes - kSegmentHeaderBytes) == kRecordsPerSegment * kRecordBytes);

std::string SegmentPath(uint64_t sequence, uint64_t first_index) {
    return JoinPath(kDir,
                    SegmentFileName({.sequence = sequence, .first_index = Index(first_index)}));
}

// The offset of entry `index` in the first segment.
uint64_t RecordOffset(uint64_t index) {
    return kSegmentHeaderBytes + (index - 1) * kRecordBytes;
}

class WalRecoveryTest : public ::testing::Test {
protected:
    absl::StatusOr<WalOpened> Open() {
        return Wal::Open(fs_, kDir, WalOptions{.segment_bytes = kSegmentBytes});
    }

    // Writes entries [1, last] of term 1, synced, and closes the WAL.
    void WriteEntries(uint64_t last) {
        auto opened = Open();
        ASSERT_TRUE(opened.ok()) << opened.status();
        ASSERT_TRUE(opened->wal->Append(MakeEntries(1, last, 1, kDataBytes)).ok());
        ASSERT_TRUE(opened->wal->Sync().ok());
    }

    // Reopens and expects a clean recovery of entries [1, last].
    WalOpened ExpectEntries(uint64_t last) {
        auto opened = Open();
        EXPECT_TRUE(opened.ok()) << opened.status();
        if (!opened.ok()) {
            return {};
        }
        EXPECT_EQ(opened->contents.entries, MakeEntries(1, last, 1, kDataBytes));
        return std::move(*opened);
    }

    // Reopens and expects DataLoss whose message names `path` and `offset`.
    void ExpectDataLoss(const std::string& path, uint64_t offset) {
        auto opened = Open();
        ASSERT_TRUE(absl::IsDataLoss(opened.status())) << opened.status();
        const std::string message(opened.status().message());
        EXPECT_NE(message.find(path), std::string::npos) << message;
        EXPECT_NE(message.find("offset " + std::to_string(offset)), std::string::npos) << message;
    }

    SimFileSystem fs_{7};
};

TEST_F(WalRecoveryTest, ZeroFilledPreallocatedTailIsTheCleanEnd) {
    WriteEntries(3);
    auto size = fs_.FileSize(SegmentPath(1, 1));
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, kSegmentBytes);  // preallocated, zeros after entry 3
    WalOpened opened = ExpectEntries(3);
    EXPECT_FALSE(opened.repaired_tail.has_value());
}

TEST_F(WalRecoveryTest, TornRecordHeaderIsTruncated) {
    WriteEntries(4);
    // The crash kept 5 bytes of entry 4's 9-byte frame header.
    ASSERT_TRUE(fs_.ZeroRange(SegmentPath(1, 1), RecordOffset(4) + 5, kRecordBytes - 5).ok());
    WalOpened opened = ExpectEntries(3);
    ASSERT_TRUE(opened.repaired_tail.has_value());
    EXPECT_EQ(opened.repaired_tail->offset, RecordOffset(4));
    // The repaired log continues where the whole records end.
    ASSERT_TRUE(opened.wal->Append(MakeEntries(4, 5, 1, kDataBytes)).ok());
    ASSERT_TRUE(opened.wal->Sync().ok());
    opened.wal.reset();
    EXPECT_FALSE(ExpectEntries(5).repaired_tail.has_value());
}

TEST_F(WalRecoveryTest, TornPayloadIsTruncated) {
    WriteEntries(4);
    const uint64_t kept = kFrameHeaderBytes + 50;
    ASSERT_TRUE(fs_.ZeroRange(SegmentPath(1, 1), RecordOffset(4) + kept, kRecordBytes - kept).ok());
    WalOpened opened = ExpectEntries(3);
    ASSERT_TRUE(opened.repaired_tail.has_value());
    EXPECT_EQ(opened.repaired_tail->problem, "record checksum mismatch");
    // The repair is durable: a crash now does not bring the torn bytes back.
    opened.wal.reset();
    fs_.Crash(sim::CrashMode::kDropUnsynced);
    EXPECT_FALSE(ExpectEntries(3).repaired_tail.has_value());
}

TEST_F(WalRecoveryTest, ChecksumMismatchMidLogIsDataLoss) {
    WriteEntries(4);
    ASSERT_TRUE(fs_.FlipBit(SegmentPath(1, 1), RecordOffset(2) + 40, 3).ok());
    ExpectDataLoss(SegmentPath(1, 1), RecordOffset(2));
}

TEST_F(WalRecoveryTest, CorruptLengthMidLogIsDataLoss) {
    // A flipped length bit makes the frame's extent wrong; the scan for an intact record
    // after it still proves that the damage is not a torn tail.
    WriteEntries(4);
    ASSERT_TRUE(fs_.FlipBit(SegmentPath(1, 1), RecordOffset(2), 2).ok());
    ExpectDataLoss(SegmentPath(1, 1), RecordOffset(2));
}

TEST_F(WalRecoveryTest, BadRecordTypeMidLogIsDataLoss) {
    WriteEntries(4);
    ASSERT_TRUE(fs_.FlipBit(SegmentPath(1, 1), RecordOffset(3) + 8, 5).ok());  // type 1 -> 33
    ExpectDataLoss(SegmentPath(1, 1), RecordOffset(3));
}

TEST_F(WalRecoveryTest, BadRecordTypeAtTheTailIsTorn) {
    WriteEntries(4);
    ASSERT_TRUE(fs_.FlipBit(SegmentPath(1, 1), RecordOffset(4) + 8, 5).ok());
    WalOpened opened = ExpectEntries(3);
    ASSERT_TRUE(opened.repaired_tail.has_value());
    EXPECT_EQ(opened.repaired_tail->problem, "bad record type 33");
}

TEST_F(WalRecoveryTest, RecordEndingExactlyAtTheSegmentBoundary) {
    WriteEntries(kRecordsPerSegment + 1);
    // The first segment is exactly full; entry 33 opened the second.
    EXPECT_TRUE(fs_.Exists(SegmentPath(2, kRecordsPerSegment + 1)));
    WalOpened opened = ExpectEntries(kRecordsPerSegment + 1);
    EXPECT_EQ(opened.wal->segment_count(), 2U);
    EXPECT_FALSE(opened.repaired_tail.has_value());
}

TEST_F(WalRecoveryTest, RotationWhenTheNextRecordDoesNotFit) {
    // 31 records leave 126 bytes; a 127-byte record does not fit and starts segment 2.
    {
        auto opened = Open();
        ASSERT_TRUE(opened.ok());
        ASSERT_TRUE(opened->wal->Append(MakeEntries(1, 31, 1, kDataBytes)).ok());
        ASSERT_TRUE(opened->wal->Append(MakeEntries(32, 32, 1, kDataBytes + 1)).ok());
        ASSERT_TRUE(opened->wal->Sync().ok());
        EXPECT_EQ(opened->wal->segment_count(), 2U);
    }
    auto opened = Open();
    ASSERT_TRUE(opened.ok()) << opened.status();
    ASSERT_EQ(opened->contents.entries.size(), 32U);
    EXPECT_EQ(opened->contents.entries.back().data.size(), kDataBytes + 1);
}

TEST_F(WalRecoveryTest, EmptyLastSegmentIsFine) {
    // The process died right after creating segment 2, before writing into it.
    fs_.InjectFault(sim::FaultRule{.op = sim::FsOp::kWrite,
                                   .error_number = EIO,
                                   .path_contains = "0000000000000002-",
                                   .skip = 1});
    {
        auto opened = Open();
        ASSERT_TRUE(opened.ok());
        ASSERT_TRUE(
            opened->wal->Append(MakeEntries(1, kRecordsPerSegment + 1, 1, kDataBytes)).ok());
        EXPECT_FALSE(opened->wal->Sync().ok());
    }
    fs_.ClearFaults();
    fs_.Crash(sim::CrashMode::kDropUnsynced);
    WalOpened opened = ExpectEntries(kRecordsPerSegment);
    EXPECT_EQ(opened.wal->segment_count(), 2U);
    ASSERT_TRUE(opened.wal->Append(MakeEntries(33, 33, 1, kDataBytes)).ok());
    ASSERT_TRUE(opened.wal->Sync().ok());
    opened.wal.reset();
    ExpectEntries(kRecordsPerSegment + 1);
}

TEST_F(WalRecoveryTest, MissingSegmentInTheMiddleIsDataLoss) {
    WriteEntries(3 * kRecordsPerSegment);
    const std::string middle = SegmentPath(2, kRecordsPerSegment + 1);
    ASSERT_TRUE(fs_.Exists(middle));
    ASSERT_TRUE(fs_.Remove(middle).ok());
    auto opened = Open();
    ASSERT_TRUE(absl::IsDataLoss(opened.status())) << opened.status();
    EXPECT_NE(opened.status().message().find("segment 2 is missing"), std::string::npos)
        << opened.status();
}

TEST_F(WalRecoveryTest, ChecksumMismatchInASealedSegmentIsDataLoss) {
    // Even the last record of a sealed segment: a sealed segment has no torn tail.
    WriteEntries(kRecordsPerSegment + 1);
    const uint64_t last_in_first = RecordOffset(kRecordsPerSegment);
    ASSERT_TRUE(fs_.FlipBit(SegmentPath(1, 1), last_in_first + 30, 0).ok());
    ExpectDataLoss(SegmentPath(1, 1), last_in_first);
}

TEST_F(WalRecoveryTest, TruncatedSealedSegmentIsDataLoss) {
    // A sealed segment that lost its last records (zeroed) no longer reaches the index the
    // next segment starts at.
    WriteEntries(kRecordsPerSegment + 1);
    const uint64_t from = RecordOffset(kRecordsPerSegment);
    ASSERT_TRUE(fs_.ZeroRange(SegmentPath(1, 1), from, kSegmentBytes - from).ok());
    ExpectDataLoss(SegmentPath(2, kRecordsPerSegment + 1), 0);
}

TEST_F(WalRecoveryTest, GarbageAfterTheEndOfASealedSegmentIsDataLoss) {
    WriteEntries(kRecordsPerSegment + 1);
    const uint64_t hole = RecordOffset(10);
    ASSERT_TRUE(fs_.ZeroRange(SegmentPath(1, 1), hole, kFrameHeaderBytes).ok());
    ExpectDataLoss(SegmentPath(1, 1), hole);
}

TEST_F(WalRecoveryTest, CorruptSegmentHeaderIsDataLoss) {
    WriteEntries(2);
    ASSERT_TRUE(fs_.FlipBit(SegmentPath(1, 1), 17, 1).ok());
    ExpectDataLoss(SegmentPath(1, 1), 0);
}

TEST_F(WalRecoveryTest, CommitIndexBeyondTheRecoveredLogIsDataLoss) {
    // A caller that saves the hard state before the entries it commits (against Wal's advice)
    // and then loses the entries to a torn tail: recovery refuses to invent them.
    constexpr uint64_t kHardStateRecordBytes = kFrameHeaderBytes + 24;
    {
        auto opened = Open();
        ASSERT_TRUE(opened.ok());
        ASSERT_TRUE(opened->wal->SaveHardState({.term = Term(1), .commit = Index(4)}).ok());
        ASSERT_TRUE(opened->wal->Append(MakeEntries(1, 4, 1, kDataBytes)).ok());
        ASSERT_TRUE(opened->wal->Sync().ok());
    }
    const uint64_t entry4 = RecordOffset(4) + kHardStateRecordBytes;
    ASSERT_TRUE(fs_.ZeroRange(SegmentPath(1, 1), entry4 + 20, kRecordBytes - 20).ok());
    auto opened = Open();
    ASSERT_TRUE(absl::IsDataLoss(opened.status())) << opened.status();
    EXPECT_NE(opened.status().message().find("commit index 4"), std::string::npos)
        << opened.status();
}

TEST_F(WalRecoveryTest, LeftoverTemporarySegmentIsRemoved) {
    WriteEntries(2);
    {
        auto temp = fs_.Open(SegmentPath(2, 3) + ".tmp", OpenMode::kCreateNew);
        ASSERT_TRUE(temp.ok());
        ASSERT_TRUE((*temp)->WriteAt(0, "half a header").ok());
    }
    WalOpened opened = ExpectEntries(2);
    EXPECT_EQ(opened.removed_temp_files, 1U);
    EXPECT_FALSE(fs_.Exists(SegmentPath(2, 3) + ".tmp"));
}

}  // namespace
}  // namespace keel::storage
