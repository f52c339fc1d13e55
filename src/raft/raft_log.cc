#include "raft/raft_log.h"

#include <algorithm>

#include "base/assert.h"
#include "raft/limits.h"

namespace keel::raft {

RaftLog::RaftLog(const SnapshotMeta& snapshot,
                 std::vector<Entry> entries,
                 Index committed,
                 Index applied)
    : snapshot_(snapshot),
      entries_(std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end())),
      committed_(committed),
      applied_(applied) {
    stable_ = last_index();
    CheckInvariants(CheckDepth::kFull);
}

Index RaftLog::last_index() const {
    return snapshot_.index + entries_.size();
}

Term RaftLog::last_term() const {
    return entries_.empty() ? snapshot_.term : entries_.back().term;
}

const Entry& RaftLog::At(Index index) const {
    KEEL_ASSERT_MSG(index >= first_index() && index <= last_index(),
                    "index %d outside [%d, %d]",
                    index.value(),
                    first_index().value(),
                    last_index().value());
    return entries_[index - first_index()];
}

std::optional<Term> RaftLog::TermAt(Index index) const {
    if (index == snapshot_.index) {
        return snapshot_.term;
    }
    if (index < first_index() || index > last_index()) {
        return std::nullopt;
    }
    return At(index).term;
}

const Entry* RaftLog::Find(Index index) const {
    if (index < first_index() || index > last_index()) {
        return nullptr;
    }
    return &At(index);
}

bool RaftLog::MatchTerm(Index index, Term term) const {
    std::optional<Term> t = TermAt(index);
    return t.has_value() && *t == term;
}

bool RaftLog::IsUpToDate(Index index, Term term) const {
    return term > last_term() || (term == last_term() && index >= last_index());
}

AppendOutcome RaftLog::MaybeAppend(Index prev_index,
                                   Term prev_term,
                                   Index commit,
                                   const std::vector<Entry>& entries,
                                   Index& last_new) {
    KEEL_ASSERT(prev_index >= committed_);
    if (!MatchTerm(prev_index, prev_term)) {
        return AppendOutcome::kMismatch;
    }
    last_new = prev_index + entries.size();
    // Figure 2, step 3: delete an existing entry that conflicts with a new one and all that
    // follow it; step 4: append any new entries not already in the log. Entries we already
    // hold are kept, so a stale or duplicated AppendEntries never truncates the log.
    for (const Entry& entry : entries) {
        if (entry.index <= snapshot_.index) {
            continue;  // covered by our snapshot, hence committed and identical.
        }
        if (entry.index <= last_index()) {
            if (At(entry.index).term == entry.term) {
                continue;
            }
            TruncateFrom(entry.index);
        }
        KEEL_ASSERT(entry.index == last_index().Next());
        entries_.push_back(entry);
    }
    // Step 5: commit index = min(leaderCommit, index of last new entry).
    CommitTo(std::min(commit, last_new));
    return AppendOutcome::kAppended;
}

void RaftLog::Append(std::vector<Entry> entries) {
    for (Entry& entry : entries) {
        KEEL_ASSERT(entry.index == last_index().Next());
        KEEL_ASSERT(entry.term >= last_term());
        entries_.push_back(std::move(entry));
    }
}

void RaftLog::TruncateFrom(Index index) {
    KEEL_ASSERT_MSG(index > committed_,
                    "truncating committed entry %d (commit %d)",
                    index.value(),
                    committed_.value());
    KEEL_ASSERT(index >= first_index());
    entries_.erase(entries_.begin() + static_cast<ptrdiff_t>(index - first_index()),
                   entries_.end());
    stable_ = std::min(stable_, index.Prev());
}

std::pair<Index, Term> RaftLog::FindConflictByTerm(Index index, Term term) const {
    index = std::min(index, last_index());
    while (index >= first_index()) {
        const Term t = At(index).term;
        if (t <= term) {
            return {index, t};
        }
        index = index.Prev();
    }
    // Everything left is in the snapshot, which is committed and therefore shared.
    return {snapshot_.index, snapshot_.term};
}

bool RaftLog::CommitTo(Index index) {
    if (index <= committed_) {
        return false;
    }
    KEEL_ASSERT_MSG(index <= last_index(),
                    "commit %d beyond last index %d",
                    index.value(),
                    last_index().value());
    committed_ = index;
    return true;
}

std::optional<std::vector<Entry>> RaftLog::Slice(Index lo, Index hi, size_t bytes_max) const {
    if (lo < first_index()) {
        return std::nullopt;
    }
    KEEL_ASSERT(hi <= last_index());
    std::vector<Entry> out;
    size_t bytes = 0;
    for (Index i = lo; i <= hi; ++i) {
        const Entry& entry = At(i);
        const size_t entry_bytes = entry.data.size() + kEntryOverheadBytes;
        if (!out.empty() && bytes + entry_bytes > bytes_max) {
            break;
        }
        bytes += entry_bytes;
        out.push_back(entry);
    }
    return out;
}

std::vector<Entry> RaftLog::UnstableEntries() const {
    std::vector<Entry> out;
    for (Index i = stable_.Next(); i <= last_index(); ++i) {
        out.push_back(At(i));
    }
    return out;
}

std::vector<Entry> RaftLog::NextCommittedEntries() const {
    std::vector<Entry> out;
    for (Index i = std::max(applied_, snapshot_.index).Next(); i <= committed_; ++i) {
        out.push_back(At(i));
    }
    return out;
}

bool RaftLog::HasNextCommittedEntries() const {
    return committed_ > std::max(applied_, snapshot_.index);
}

void RaftLog::StableTo(Index index, Term term) {
    if (index <= stable_ || !MatchTerm(index, term)) {
        return;
    }
    stable_ = index;
}

void RaftLog::SnapshotInstalled(Index index) {
    if (!snapshot_pending_ || index != snapshot_.index) {
        return;
    }
    snapshot_pending_ = false;
    applied_ = std::max(applied_, snapshot_.index);
}

void RaftLog::AppliedTo(Index index) {
    KEEL_ASSERT_MSG(
        index <= committed_, "applied %d beyond commit %d", index.value(), committed_.value());
    applied_ = std::max(applied_, index);
}

void RaftLog::Restore(const SnapshotMeta& snapshot) {
    KEEL_ASSERT(snapshot.index > committed_);
    snapshot_ = snapshot;
    entries_.clear();
    committed_ = snapshot.index;
    stable_ = snapshot.index;
    snapshot_pending_ = true;
}

void RaftLog::CompactTo(const SnapshotMeta& snapshot) {
    KEEL_ASSERT(snapshot.index > snapshot_.index);
    KEEL_ASSERT(snapshot.index <= applied_);
    KEEL_ASSERT(MatchTerm(snapshot.index, snapshot.term));
    entries_.erase(entries_.begin(),
                   entries_.begin() + static_cast<ptrdiff_t>(snapshot.index - snapshot_.index));
    snapshot_ = snapshot;
    stable_ = std::max(stable_, snapshot.index);
}

void RaftLog::CheckInvariants(CheckDepth depth) const {
    KEEL_ASSERT(snapshot_.index <= committed_);
    KEEL_ASSERT(committed_ <= last_index());
    KEEL_ASSERT(applied_ <= committed_);
    KEEL_ASSERT(snapshot_.index <= stable_);
    KEEL_ASSERT(stable_ <= last_index());
    if (!snapshot_pending_) {
        KEEL_ASSERT(applied_ >= snapshot_.index);
    }
    if (!entries_.empty()) {
        KEEL_ASSERT(entries_.front().index == first_index());
        KEEL_ASSERT(entries_.front().term >= snapshot_.term);
    }
    if (depth == CheckDepth::kFull) {
        CheckEntries();
    }
}

void RaftLog::CheckEntries() const {
    Term prev_term = snapshot_.term;
    Index expected = snapshot_.index.Next();
    for (const Entry& entry : entries_) {
        KEEL_ASSERT_MSG(entry.index == expected,
                        "entry %d where %d expected",
                        entry.index.value(),
                        expected.value());
        KEEL_ASSERT_MSG(
            entry.term >= prev_term, "term %d after %d", entry.term.value(), prev_term.value());
        prev_term = entry.term;
        ++expected;
    }
}

}  // namespace keel::raft
