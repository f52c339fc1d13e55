// The Raft log as the core sees it: the metadata of the newest snapshot followed by every
// entry after it, held in memory, with the bookkeeping of which entries are durable (stable),
// committed and applied.
//
// Storage is the caller's: entries above `stable` are handed out in Ready::entries and become
// stable when Advance() reports them written. Owned by the Raft core; single-threaded.
//
// Invariant: entries have contiguous indexes starting at snapshot.index + 1.
// Invariant: entry terms are non-decreasing and no lower than snapshot.term.
// Invariant: snapshot.index <= committed <= last_index; applied <= committed.
// Invariant: snapshot.index <= stable <= last_index.
// Invariant: applied >= snapshot.index unless a received snapshot awaits installation.
#pragma once

#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "raft/invariants.h"
#include "raft/types.h"

namespace keel::raft {

enum class AppendOutcome : uint8_t {
    kAppended = 0,  // the log now matches the leader's up to the last new entry
    kMismatch = 1,  // no entry (prev_index, prev_term): reject (§5.3)
};

class RaftLog {
public:
    // Precondition: the arguments satisfy the class invariants (RawNode::Create checks them).
    RaftLog(const SnapshotMeta& snapshot,
            std::vector<Entry> entries,
            Index committed,
            Index applied);

    Index first_index() const { return snapshot_.index.Next(); }

    Index last_index() const;
    Term last_term() const;

    Index committed() const { return committed_; }

    Index applied() const { return applied_; }

    Index stable() const { return stable_; }

    const SnapshotMeta& snapshot() const { return snapshot_; }

    bool snapshot_pending() const { return snapshot_pending_; }

    // The term of the entry at `index`, or nullopt if it is compacted away or beyond the log.
    // The snapshot's own index answers with the snapshot's term.
    std::optional<Term> TermAt(Index index) const;
    bool MatchTerm(Index index, Term term) const;
    // The entry at `index`, or nullptr if it is compacted away or beyond the log.
    const Entry* Find(Index index) const;

    // §5.4.1: a candidate's log (last_index, last_term) is at least as up-to-date as ours.
    bool IsUpToDate(Index last_index, Term last_term) const;

    // The follower side of AppendEntries (§5.3, Figure 2 receiver steps 2-5). On kAppended
    // sets `last_new` to prev_index + entries.size() and commits up to min(commit, last_new).
    // Precondition: `entries` are contiguous, start at prev_index + 1 and have terms that do
    // not decrease (Raft::Step validates peer input before calling), and prev_index >=
    // committed, so that only uncommitted entries can ever be truncated.
    AppendOutcome MaybeAppend(Index prev_index,
                              Term prev_term,
                              Index commit,
                              const std::vector<Entry>& entries,
                              Index& last_new);

    // The leader appends its own new entries. Precondition: they continue the log.
    void Append(std::vector<Entry> entries);

    // The largest index <= `index` whose term is <= `term`, with that term: where a leader
    // whose entry at `index` has term `term` can next hope to match (fast backtracking).
    std::pair<Index, Term> FindConflictByTerm(Index index, Term term) const;

    // Raises the commit index. Precondition: index <= last_index. Returns true if it rose.
    bool CommitTo(Index index);

    // Entries in [lo, hi] weighing at most `bytes_max` (data plus kEntryOverheadBytes each;
    // always at least one entry).
    // Returns nullopt if lo is compacted away. Precondition: hi <= last_index.
    std::optional<std::vector<Entry>> Slice(Index lo, Index hi, size_t bytes_max) const;

    // Entries not yet durable, in order.
    std::vector<Entry> UnstableEntries() const;
    // Committed entries not yet applied: (max(applied, snapshot index), committed].
    std::vector<Entry> NextCommittedEntries() const;
    bool HasNextCommittedEntries() const;

    // The caller made entries up to (index, term) durable. Ignored if the log changed under
    // it (the entry at `index` now has another term).
    void StableTo(Index index, Term term);
    // The application installed the received snapshot at `index`. Ignored if another snapshot
    // replaced it meanwhile (that one is still to be handed out).
    void SnapshotInstalled(Index index);
    // The application applied up to `index`. Precondition: index <= committed.
    void AppliedTo(Index index);

    // Replaces the whole log by a snapshot received from the leader (§5: InstallSnapshot).
    // Precondition: snapshot.index > committed.
    void Restore(const SnapshotMeta& snapshot);

    // Discards the entries up to `snapshot.index`, which the application has captured in a
    // snapshot. Precondition: snapshot.index is within (snapshot index, applied] and its term
    // matches the log.
    void CompactTo(const SnapshotMeta& snapshot);

    void CheckInvariants(CheckDepth depth) const;

private:
    const Entry& At(Index index) const;
    // O(n): contiguous indexes, non-decreasing terms.
    void CheckEntries() const;
    // Removes every entry at `index` and after. Precondition: index > committed.
    void TruncateFrom(Index index);

    SnapshotMeta snapshot_;
    std::deque<Entry> entries_;
    Index committed_;
    Index applied_;
    Index stable_;
    bool snapshot_pending_ = false;
};

}  // namespace keel::raft
