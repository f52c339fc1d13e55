#include "storage/wal_format.h"

#include <gtest/gtest.h>

#include "storage/limits.h"

namespace keel::storage {
namespace {

TEST(WalFormat, SegmentHeaderRoundTrips) {
    const SegmentHeader header{.sequence = 7, .first_index = Index(1234), .segment_bytes = 65536};
    const std::string bytes = EncodeSegmentHeader(header);
    ASSERT_EQ(bytes.size(), kSegmentHeaderBytes);
    auto decoded = DecodeSegmentHeader(bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, header);
}

TEST(WalFormat, SegmentHeaderChecksumCatchesAFlippedBit) {
    std::string bytes = EncodeSegmentHeader({.sequence = 1, .first_index = Index(1)});
    bytes[20] ^= 0x04;
    EXPECT_TRUE(absl::IsDataLoss(DecodeSegmentHeader(bytes).status()));
}

// Found by the simulator (keel-sim --seed 557 --wal): the padding after the header's checksum
// was not checked, so a flipped bit there went unnoticed.
TEST(WalFormat, SegmentHeaderPaddingMustBeZero) {
    std::string bytes = EncodeSegmentHeader({.sequence = 1, .first_index = Index(1)});
    bytes[kSegmentHeaderBytes - 6] ^= 0x40;
    const auto decoded = DecodeSegmentHeader(bytes);
    ASSERT_TRUE(absl::IsDataLoss(decoded.status()));
    EXPECT_NE(decoded.status().message().find("padding"), std::string::npos);
}

TEST(WalFormat, SegmentFileNameRoundTrips) {
    const SegmentHeader header{.sequence = 0x2a, .first_index = Index(0xbeef)};
    EXPECT_EQ(SegmentFileName(header), "000000000000002a-000000000000beef.wal");
    auto parsed = ParseSegmentFileName(SegmentFileName(header));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->sequence, header.sequence);
    EXPECT_EQ(parsed->first_index, header.first_index);
    EXPECT_FALSE(ParseSegmentFileName("000000000000002a-000000000000beef.wal.tmp").has_value());
    EXPECT_FALSE(ParseSegmentFileName("000000000000002A-000000000000beef.wal").has_value());
}

TEST(WalFormat, RecordFrameLayout) {
    std::string out;
    AppendRecord(RecordType::kHardState, "abc", &out);
    ASSERT_EQ(out.size(), kFrameHeaderBytes + 3);
    EXPECT_EQ(out.substr(0, 4), std::string("\x03\x00\x00\x00", 4));  // little-endian length
    EXPECT_EQ(out[8], 2);                                             // the type byte
    EXPECT_EQ(out.substr(9), "abc");
    const Frame frame = ParseFrame(out, 0, 100);
    ASSERT_EQ(frame.kind, Frame::Kind::kRecord);
    EXPECT_EQ(frame.type, RecordType::kHardState);
    EXPECT_EQ(frame.payload, "abc");
}

TEST(WalFormat, ZerosParseAsTheEnd) {
    EXPECT_EQ(ParseFrame(std::string(64, '\0'), 0, 100).kind, Frame::Kind::kEnd);
    EXPECT_EQ(ParseFrame(std::string(4, '\0'), 0, 100).kind, Frame::Kind::kEnd);
    EXPECT_EQ(ParseFrame(std::string(4, '\x01'), 0, 100).kind, Frame::Kind::kBad);
}

TEST(WalFormat, CrcCoversTheTypeByte) {
    std::string out;
    AppendRecord(RecordType::kEntry, "payload", &out);
    out[8] = static_cast<char>(RecordType::kHardState);
    const Frame frame = ParseFrame(out, 0, 100);
    EXPECT_EQ(frame.kind, Frame::Kind::kBad);
    EXPECT_EQ(frame.problem, "record checksum mismatch");
}

TEST(WalFormat, LengthBeyondTheSegmentIsBad) {
    std::string out;
    AppendRecord(RecordType::kEntry, "payload", &out);
    out.resize(out.size() - 1);
    EXPECT_EQ(ParseFrame(out, 0, 100).kind, Frame::Kind::kBad);
    out.push_back('d');
    EXPECT_EQ(ParseFrame(out, 0, 3).kind, Frame::Kind::kBad);  // over the caller's bound
}

TEST(WalFormat, FindIntactRecordSkipsGarbage) {
    std::string segment(100, '\x07');
    const size_t at = segment.size();
    AppendRecord(RecordType::kEntry, "x", &segment);
    segment.append(50, '\0');
    EXPECT_EQ(FindIntactRecord(segment, 0, 1000), std::optional<uint64_t>(at));
    EXPECT_EQ(FindIntactRecord(segment, at, 1000), std::nullopt);
}

TEST(WalFormat, EntryRoundTrips) {
    const raft::Entry entry{.term = Term(3),
                            .index = Index(9),
                            .type = raft::EntryType::kConfChange,
                            .data = std::string("a\0b", 3)};
    auto decoded = DecodeEntry(EncodeEntry(entry));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, entry);
    EXPECT_TRUE(absl::IsDataLoss(DecodeEntry("short").status()));
}

TEST(WalFormat, HardStateRoundTrips) {
    const raft::HardState hs{.term = Term(5), .voted_for = NodeId(2), .commit = Index(17)};
    auto decoded = DecodeHardState(EncodeHardState(hs));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, hs);
    EXPECT_TRUE(absl::IsDataLoss(DecodeHardState("x").status()));
}

TEST(WalFormat, SnapshotMetaRoundTrips) {
    raft::SnapshotMeta meta{.index = Index(100), .term = Term(4)};
    meta.conf_state.voters = {NodeId(1), NodeId(2), NodeId(3)};
    meta.conf_state.learners = {NodeId(4)};
    meta.conf_state.voters_outgoing = {NodeId(1)};
    meta.conf_state.auto_leave = true;
    auto decoded = DecodeSnapshotMeta(EncodeSnapshotMeta(meta));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, meta);
    std::string trailing = EncodeSnapshotMeta(meta) + "x";
    EXPECT_TRUE(absl::IsDataLoss(DecodeSnapshotMeta(trailing).status()));
}

}  // namespace
}  // namespace keel::storage
