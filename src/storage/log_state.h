// LogState: the shape of the Raft log that the WAL's records describe, without the payloads.
//
// Both the WAL writer (wal.h) and recovery (wal_reader.h) keep one, and apply the same rules
// to it in the same order, so that recovery reproduces exactly the log the writer had:
//   - an entry at index i replaces every entry at or after i (Raft's conflicting-suffix rule,
//     §5.3); i must be in (snapshot index, last index + 1];
//   - a snapshot marker at (index, term) newer than the current one discards the log up to
//     index; the entries after it survive only if the log holds index with that term, else the
//     whole log goes (Raft paper, Figure 13, InstallSnapshot steps 6 and 7).
//
// It stores the log as runs of equal terms, so its size is the number of term changes.
// Single-threaded; owned by its Wal or by one recovery pass.
//
// Invariant: snapshot index < first_index() <= last_index() + 1.
// Invariant: with an open start, no snapshot has pinned the log's first index.
// Invariant: runs_ are sorted by first index, with strictly increasing first indexes,
//            non-decreasing terms, all within [first_index(), last_index()].
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include <absl/status/status.h>

#include "raft/types.h"

namespace keel::storage {

class LogState {
public:
    enum class Start : uint8_t {
        // The log starts at the given index (a new log, or the writer's recovered log).
        kKnown = 0,
        // Recovery from a segment whose predecessors were released: entries before the given
        // index are unknown, and a record may rewrite some of them (a truncation written
        // before the release). Such an entry restarts the log at its index; the snapshot
        // marker that allowed the release must later cover the restart, which the caller
        // checks at the end. The first snapshot that pins the log's start ends this mode.
        kOpen = 1,
    };

    // An empty log whose next entry is `next_index` (1 for a new log).
    explicit LogState(Index next_index, Start start = Start::kKnown);

    // Whether an entry (index, term) may be appended: OK, or FailedPrecondition naming the gap
    // or the term that goes backwards.
    absl::Status CheckAppend(Index index, Term term) const;
    // Appends (index, term), first dropping every entry at or after `index`.
    // Precondition: CheckAppend(index, term) is OK.
    void Append(Index index, Term term);

    enum class SnapshotEffect : uint8_t {
        kStale = 0,         // not newer than the current snapshot: ignored
        kBeforeLog = 1,     // older than the log's first index: recorded, the log is unchanged
        kKeptSuffix = 2,    // the log held (index, term): the entries after it remain
        kDiscardedLog = 3,  // the whole log was discarded
    };
    SnapshotEffect ApplySnapshot(const raft::SnapshotMeta& meta);

    // The term of the entry at `index` if the log holds it.
    std::optional<Term> TermAt(Index index) const;

    Index first_index() const { return first_index_; }

    Index last_index() const { return first_index_.Prev() + count_; }

    const std::optional<raft::SnapshotMeta>& snapshot() const { return snapshot_; }

    void CheckInvariants() const;

private:
    void TruncateFrom(Index index);

    Index first_index_;
    bool open_start_ = false;
    uint64_t count_ = 0;
    std::vector<std::pair<Index, Term>> runs_;  // (first index of the run, its term)
    std::optional<raft::SnapshotMeta> snapshot_;
};

}  // namespace keel::storage
