#include "storage/log_state.h"

#include <algorithm>

#include <absl/strings/str_cat.h>

#include "base/assert.h"

namespace keel::storage {

LogState::LogState(Index next_index, Start start)
    : first_index_(next_index), open_start_(start == Start::kOpen && next_index > Index(1)) {
    KEEL_ASSERT(!next_index.is_none());
}

absl::Status LogState::CheckAppend(Index index, Term term) const {
    const bool covered = snapshot_.has_value() && index <= snapshot_->index;
    if (index < first_index_ && open_start_ && !covered && !index.is_none()) {
        return absl::OkStatus();  // restarts the log at `index`
    }
    if (index < first_index_) {
        return absl::FailedPreconditionError(absl::StrCat(
            "entry ", index.value(), " is before the log's first index ", first_index_.value()));
    }
    if (index > last_index().Next()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "entry ", index.value(), " leaves a gap after the last index ", last_index().value()));
    }
    if (index > first_index_) {
        const Term previous = *TermAt(index.Prev());
        if (term < previous) {
            return absl::FailedPreconditionError(absl::StrCat("entry ",
                                                              index.value(),
                                                              " has term ",
                                                              term.value(),
                                                              " below the term ",
                                                              previous.value(),
                                                              " before it"));
        }
    }
    return absl::OkStatus();
}

void LogState::TruncateFrom(Index index) {
    KEEL_ASSERT(index >= first_index_);
    if (index > last_index()) {
        return;
    }
    count_ = index - first_index_;
    while (!runs_.empty() && runs_.back().first >= index) {
        runs_.pop_back();
    }
}

void LogState::Append(Index index, Term term) {
    KEEL_ASSERT_MSG(CheckAppend(index, term).ok(),
                    "append at %d to [%d, %d]",
                    index.value(),
                    first_index_.value(),
                    last_index().value());
    if (index < first_index_) {
        KEEL_ASSERT(open_start_);
        first_index_ = index;
        count_ = 0;
        runs_.clear();
    }
    TruncateFrom(index);
    if (runs_.empty() || runs_.back().second != term) {
        runs_.emplace_back(index, term);
    }
    ++count_;
    KEEL_DASSERT(last_index() == index);
}

std::optional<Term> LogState::TermAt(Index index) const {
    if (index < first_index_ || index > last_index()) {
        return std::nullopt;
    }
    // The last run that starts at or before `index`.
    const auto after = std::upper_bound(
        runs_.begin(), runs_.end(), index, [](Index i, const auto& run) { return i < run.first; });
    KEEL_ASSERT(after != runs_.begin());
    return std::prev(after)->second;
}

LogState::SnapshotEffect LogState::ApplySnapshot(const raft::SnapshotMeta& meta) {
    if (snapshot_.has_value() && meta.index <= snapshot_->index) {
        return SnapshotEffect::kStale;
    }
    if (meta.index < first_index_) {
        // Older than where the log already starts: a marker copied at a segment's head, re-read
        // after the segments before it were released. Nothing to discard.
        snapshot_ = meta;
        return SnapshotEffect::kBeforeLog;
    }
    const std::optional<Term> term = TermAt(meta.index);
    snapshot_ = meta;
    open_start_ = false;
    const Index new_first = meta.index.Next();
    if (!term.has_value() || *term != meta.term) {
        runs_.clear();
        count_ = 0;
        first_index_ = new_first;
        return SnapshotEffect::kDiscardedLog;
    }
    const std::optional<Term> first_term = TermAt(new_first);
    count_ -= new_first - first_index_;
    first_index_ = new_first;
    std::erase_if(runs_, [&](const auto& run) { return run.first < new_first; });
    if (first_term.has_value() && (runs_.empty() || runs_.front().first != new_first)) {
        runs_.insert(runs_.begin(), {new_first, *first_term});
    }
    return SnapshotEffect::kKeptSuffix;
}

void LogState::CheckInvariants() const {
    if (open_start_) {
        KEEL_ASSERT(first_index_ > Index(1));
    }
    if (snapshot_.has_value()) {
        KEEL_ASSERT(snapshot_->index < first_index_);
    }
    KEEL_ASSERT(runs_.empty() == (count_ == 0));
    for (size_t i = 0; i < runs_.size(); ++i) {
        KEEL_ASSERT(runs_[i].first >= first_index_);
        KEEL_ASSERT(runs_[i].first <= last_index());
        if (i > 0) {
            KEEL_ASSERT(runs_[i - 1].first < runs_[i].first);
            KEEL_ASSERT(runs_[i - 1].second < runs_[i].second);
        }
    }
    if (!runs_.empty()) {
        KEEL_ASSERT(runs_.front().first == first_index_);
    }
}

}  // namespace keel::storage
