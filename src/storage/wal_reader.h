// Reading a WAL directory back: recovery's scan, shared by Wal::Open and `keel-wal`.
//
// ScanWal reads every segment in sequence order, checks every checksum, and replays the
// records through a LogState (log_state.h) to rebuild the durable log, the last hard state
// and the last snapshot marker. It changes nothing on disk; Wal::Open repairs the torn tail
// it reports. The rules (docs/storage-format.md, "Recovery"):
//   - segment sequence numbers are consecutive, and each segment's first index is where the
//     previous one left the log; anything else is a missing segment: DataLoss;
//   - in a sealed segment (not the last), every frame up to the zero tail is a whole record
//     with a valid checksum, and the tail is all zeros; anything else: DataLoss;
//   - in the last segment, the first frame that is not a whole valid record ends the log: a
//     torn tail, to be truncated, unless a whole valid record follows it somewhere in the
//     segment, which proves the damage is in the middle: DataLoss;
//   - the recovered log continues the snapshot marker (or starts at 1), and the hard state's
//     commit index is within it; anything else: DataLoss.
// Every DataLoss names the file and the byte offset.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <absl/status/statusor.h>

#include "raft/types.h"
#include "storage/file_system.h"
#include "storage/wal_format.h"

namespace keel::storage {

struct SegmentFile {
    SegmentHeader header;
    std::string path;
};

// Where the valid records of the last segment end, and what follows.
struct TornTail {
    std::string path;
    uint64_t offset = 0;       // the end of the last whole record
    uint64_t bytes_after = 0;  // nonzero bytes found after it
    std::string problem;       // what the frame at `offset` looked like
};

// The durable state a WAL describes: what raft::Restored needs from the log.
struct WalContents {
    raft::HardState hard_state;
    std::optional<raft::SnapshotMeta> snapshot;  // the last snapshot marker
    std::vector<raft::Entry> entries;            // contiguous, after the snapshot (or from 1)
};

struct WalScan {
    WalContents contents;
    std::vector<SegmentFile> segments;  // in sequence order
    uint64_t last_segment_end = 0;      // the offset in the last segment after its last record
    std::optional<TornTail> torn_tail;
    std::vector<std::string> temp_files;  // half-created segments ("*.wal.tmp")
    uint64_t record_count = 0;
};

// Called for every valid record, in log order, before it is replayed.
using RecordVisitor = std::function<void(
    const SegmentFile& segment, uint64_t offset, RecordType type, std::string_view payload)>;

// Scans the WAL in `dir`. An empty or missing directory is an empty WAL.
absl::StatusOr<WalScan> ScanWal(FileSystem& fs,
                                const std::string& dir,
                                const RecordVisitor& visitor = nullptr);

}  // namespace keel::storage
