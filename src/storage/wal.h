// Wal: the Raft log on disk, as checksummed records in preallocated segment files.
//
// The core of keel's durable storage, single-threaded and deterministic so that the simulator
// can drive it on a SimFileSystem. It stores three kinds of records (wal_format.h): log
// entries, hard states and snapshot markers. Writes are buffered in memory and reach the disk
// only in Sync(), as one write per segment touched and one fdatasync: whoever batches calls to
// Append() between two Sync()s gets group commit (group_committer.h does it for many threads).
//
// The log is append-only on disk. Suffix truncation (a follower's conflicting entries, §5.3) is
// an entry record whose index is at or below the last one: recovery replays it as "replace
// from here" (log_state.h). Prefix removal drops whole segments that a durable snapshot
// marker covers (ReleaseTo). Each new segment starts with copies of the current hard state and
// snapshot marker, so removing old segments never loses them.
//
// Durability: nothing is durable before Sync() returns OK; then everything appended before it
// is. A failed write or fdatasync is never retried: the Wal turns failed and every later call
// returns FailedPrecondition; the caller crashes and recovers by reopening (STYLE.md, Errors).
// The one exception is a full disk when a new segment is preallocated: nothing was written,
// Sync() returns ResourceExhausted, and may be called again once space is freed.
//
// Ownership and threading: one owner, one thread (the Raft loop, the group committer's sync
// thread, or the simulator).
//
// Invariant: every record in the pending buffer was validated against log_ when it was
// encoded; log_ describes the log as it will be once the buffer is written.
// Invariant: synced_last_index_ <= log_.last_index() unless a later Append truncated below it.
// Invariant: segments_ is non-empty, sequence-contiguous, and its last element is active_.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <absl/status/statusor.h>

#include "raft/types.h"
#include "storage/file_system.h"
#include "storage/limits.h"
#include "storage/log_state.h"
#include "storage/wal_reader.h"

namespace keel::storage {

struct WalOptions {
    // The size each new segment is preallocated to. Records never span segments; a record
    // larger than half a segment is refused.
    uint64_t segment_bytes = kSegmentBytesDefault;
};

class Wal;

// What Wal::Open found and did.
struct WalOpened {
    std::unique_ptr<Wal> wal;
    WalContents contents;                   // the durable state, for raft::Restored
    std::optional<TornTail> repaired_tail;  // a torn tail that Open truncated
    size_t removed_temp_files = 0;
};

class Wal {
public:
    // Opens the WAL in `dir`, creating the directory and the first segment if there is none.
    // Recovers as ScanWal describes and truncates a torn tail. Errors: DataLoss naming the
    // file and offset of a corruption; InvalidArgument for bad options; I/O errors as is.
    static absl::StatusOr<WalOpened> Open(FileSystem& fs,
                                          const std::string& dir,
                                          const WalOptions& options);

    ~Wal();
    Wal(const Wal&) = delete;
    Wal& operator=(const Wal&) = delete;

    // Buffers `entries` (contiguous indexes, non-decreasing terms), first replacing every entry
    // at or after entries[0].index. Entries at or below the snapshot marker are skipped. Either
    // all of them are buffered or none. Errors: InvalidArgument (not contiguous, too large),
    // FailedPrecondition (a gap after the last index, a term below its predecessor's, or the
    // Wal has failed).
    [[nodiscard]] absl::Status Append(std::span<const raft::Entry> entries);

    // Buffers a hard state record (nothing if it equals the last one). For a Ready, call it
    // after Append(), so that a torn tail never keeps a commit index without its entries.
    [[nodiscard]] absl::Status SaveHardState(const raft::HardState& hard_state);

    // Buffers a snapshot marker: the log now continues after `meta` (Figure 13 rules, see
    // log_state.h). A marker not newer than the current one is ignored. The snapshot itself
    // must already be durable in the SnapshotStore.
    [[nodiscard]] absl::Status SaveSnapshot(const raft::SnapshotMeta& meta);

    // Writes the buffer and fdatasyncs. On OK everything buffered so far is durable.
    [[nodiscard]] absl::Status Sync();

    // Removes the oldest segments whose entries are all at or below both `index` and the
    // durable snapshot marker. Never removes the active segment.
    [[nodiscard]] absl::Status ReleaseTo(Index index);

    Index first_index() const { return log_.first_index(); }

    Index last_index() const { return log_.last_index(); }

    // The last index of the log as of the last successful Sync().
    Index synced_last_index() const { return synced_last_index_; }

    const std::optional<raft::SnapshotMeta>& snapshot() const { return log_.snapshot(); }

    const raft::HardState& hard_state() const { return hard_state_; }

    size_t segment_count() const { return segments_.size(); }

    uint64_t sync_count() const { return sync_count_; }

    size_t pending_bytes() const { return pending_bytes_.size(); }

    // OK, or the error that made the Wal fail.
    const absl::Status& failure() const { return failure_; }

    // Asserts the class invariants (O(number of term changes)).
    void CheckInvariants() const;

private:
    // One encoded record in pending_bytes_, and the log's next index once it is applied.
    struct PendingRecord {
        RecordType type = RecordType::kZero;
        size_t begin = 0;
        size_t end = 0;
        Index next_index_after;
    };

    Wal(FileSystem& fs, std::string dir, const WalOptions& options, LogState log);

    static absl::Status RepairTail(FileSystem& fs,
                                   const WalScan& scan,
                                   std::unique_ptr<File>* active);
    void Buffer(RecordType type, std::string_view payload);
    absl::Status CheckUsable() const;
    absl::Status Fail(absl::Status status);
    absl::Status WritePending();
    absl::Status WriteRecords(size_t first, size_t count);
    absl::Status Rotate();
    absl::StatusOr<std::unique_ptr<File>> CreateSegment(const SegmentHeader& header,
                                                        std::string_view head_records);
    std::string HeadRecords() const;

    FileSystem& fs_;
    const std::string dir_;
    const WalOptions options_;

    LogState log_;  // including the pending buffer
    raft::HardState hard_state_;
    std::string pending_bytes_;
    std::vector<PendingRecord> pending_;

    // The stream state as of the last record written to a segment (what a new segment's header
    // and head records must say).
    Index written_next_index_;
    std::optional<std::string> written_hard_state_;
    std::optional<std::string> written_snapshot_;

    std::vector<SegmentFile> segments_;
    std::unique_ptr<File> active_;
    uint64_t active_segment_bytes_ = 0;
    uint64_t write_offset_ = 0;

    Index synced_last_index_;
    Index synced_snapshot_index_;
    uint64_t sync_count_ = 0;
    absl::Status failure_;
};

}  // namespace keel::storage
