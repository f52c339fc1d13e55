// The WAL's byte format: segment headers, record frames and record payloads. Pure functions,
// no I/O; docs/storage-format.md is the grammar these functions implement.
//
//   segment := header(64 bytes) record* zero*
//   record  := length:u32 | masked_crc32c:u32 | type:u8 | payload[length]
//
// The CRC covers type and payload. Type 0 is never written, so the zeros of a preallocated,
// unwritten tail never parse as a record. Records never span segments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>

#include "raft/types.h"

namespace keel::storage {

inline constexpr char kSegmentMagic[8] = {'K', 'E', 'E', 'L', 'W', 'A', 'L', '\0'};
inline constexpr uint32_t kSegmentVersion = 1;
inline constexpr size_t kSegmentHeaderBytes = 64;
// The header fields that the header's CRC covers: magic, version, reserved, sequence,
// first index, segment size.
inline constexpr size_t kSegmentHeaderCoveredBytes = 40;
inline constexpr size_t kFrameHeaderBytes = 9;   // length:u32 | crc:u32 | type:u8
inline constexpr size_t kEntryHeaderBytes = 17;  // term:u64 | index:u64 | entry type:u8

enum class RecordType : uint8_t {
    kZero = 0,       // never written: preallocated space
    kEntry = 1,      // a raft::Entry
    kHardState = 2,  // a raft::HardState; the last one read wins
    kSnapshot = 3,   // a snapshot marker: the log continues after this raft::SnapshotMeta
};

inline constexpr uint8_t kRecordTypeMax = 3;

const char* RecordTypeName(RecordType type);

struct SegmentHeader {
    uint64_t sequence = 0;  // 1 for the first segment ever, +1 for each new one
    Index first_index;      // the index the next entry had when the segment was created
    uint64_t segment_bytes = 0;

    bool operator==(const SegmentHeader&) const = default;
};

// The segment's file name: "<sequence:016x>-<first_index:016x>.wal".
std::string SegmentFileName(const SegmentHeader& header);
// Parses a segment file name; nullopt if `name` is not one.
std::optional<SegmentHeader> ParseSegmentFileName(std::string_view name);

std::string EncodeSegmentHeader(const SegmentHeader& header);
// DataLoss with a reason if `bytes` is not a valid header (bad magic, version or CRC).
absl::StatusOr<SegmentHeader> DecodeSegmentHeader(std::string_view bytes);

// Appends one framed record to `out`.
void AppendRecord(RecordType type, std::string_view payload, std::string* out);

// The outcome of looking for a record at one offset.
struct Frame {
    enum class Kind : uint8_t {
        kRecord,  // a whole record with a valid checksum
        kEnd,     // a zero frame header (or a zero stub shorter than one): no more records
        kBad,     // anything else: a torn write or corruption; see `problem`
    };
    Kind kind = Kind::kEnd;
    RecordType type = RecordType::kZero;
    std::string_view payload;
    uint64_t size = 0;  // header + payload bytes (kRecord only)
    std::string problem;
};

// Parses the frame at `offset` of `segment` (a whole segment file's bytes).
// `payload_bytes_max` bounds the length field.
Frame ParseFrame(std::string_view segment, uint64_t offset, uint64_t payload_bytes_max);

// True if every byte of `bytes` is zero (what preallocated, unwritten space reads as).
bool IsAllZero(std::string_view bytes);

// The first offset after `offset` at which a whole record with a valid checksum starts, or
// nullopt. Used to tell a torn tail (nothing intact follows) from corruption in the middle.
std::optional<uint64_t> FindIntactRecord(std::string_view segment,
                                         uint64_t offset,
                                         uint64_t payload_bytes_max);

std::string EncodeEntry(const raft::Entry& entry);
absl::StatusOr<raft::Entry> DecodeEntry(std::string_view payload);
std::string EncodeHardState(const raft::HardState& hard_state);
absl::StatusOr<raft::HardState> DecodeHardState(std::string_view payload);
// Also the metadata block of a snapshot file (snapshot_file.h).
std::string EncodeSnapshotMeta(const raft::SnapshotMeta& meta);
absl::StatusOr<raft::SnapshotMeta> DecodeSnapshotMeta(std::string_view payload);

}  // namespace keel::storage
