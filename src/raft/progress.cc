#include "raft/progress.h"

#include <algorithm>

#include "base/assert.h"

namespace keel::raft {

void Inflights::Add(Index last, size_t bytes) {
    KEEL_ASSERT(!Full());
    if (!window_.empty()) {
        KEEL_ASSERT_MSG(window_.back().last < last,
                        "inflight %d after %d",
                        last.value(),
                        window_.back().last.value());
    }
    window_.push_back({.last = last, .bytes = bytes});
    bytes_ += bytes;
}

void Inflights::FreeLE(Index index) {
    while (!window_.empty() && window_.front().last <= index) {
        KEEL_ASSERT(bytes_ >= window_.front().bytes);
        bytes_ -= window_.front().bytes;
        window_.pop_front();
    }
}

void Inflights::FreeFirstOne() {
    if (!window_.empty()) {
        FreeLE(window_.front().last);
    }
}

void Inflights::Reset() {
    window_.clear();
    bytes_ = 0;
}

void Inflights::CheckInvariants(CheckDepth depth) const {
    KEEL_ASSERT(window_.size() <= msgs_max_);
    if (depth == CheckDepth::kBounds) {
        return;
    }
    size_t bytes = 0;
    for (size_t i = 0; i < window_.size(); ++i) {
        bytes += window_[i].bytes;
        if (i > 0) {
            KEEL_ASSERT(window_[i - 1].last < window_[i].last);
        }
    }
    KEEL_ASSERT(bytes == bytes_);
}

Progress::Progress(Index next, size_t inflight_msgs_max, size_t inflight_bytes_max, bool is_learner)
    : next_(next), is_learner_(is_learner), inflights_(inflight_msgs_max, inflight_bytes_max) {
    KEEL_ASSERT(!next.is_none());
}

void Progress::ResetState(State state) {
    probe_sent_ = false;
    stall_check_ = false;
    pending_snapshot_ = Index::None();
    state_ = state;
    inflights_.Reset();
}

bool Progress::MaybeUpdate(Index index) {
    bool updated = false;
    if (match_ < index) {
        match_ = index;
        updated = true;
        ResumeProbe();
        stall_check_ = false;
    }
    next_ = std::max(next_, index.Next());
    return updated;
}

bool Progress::MaybeDecrTo(Index rejected, Index hint) {
    if (state_ == State::kReplicate) {
        // Entries at or below match were acknowledged: this rejection answers an old message.
        if (rejected <= match_) {
            return false;
        }
        next_ = match_.Next();
        return true;
    }
    // In probe only the one outstanding message (whose prev index is next - 1) matters.
    if (next_.Prev() != rejected) {
        return false;
    }
    next_ = std::max(std::min(rejected, hint.Next()), match_.Next());
    ResumeProbe();
    return true;
}

void Progress::SentEntries(Index last, size_t bytes) {
    switch (state_) {
        case State::kReplicate:
            if (last >= next_) {
                inflights_.Add(last, bytes);
                next_ = last.Next();
            }
            return;
        case State::kProbe:
            PauseProbe();
            return;
        case State::kSnapshot:
            KEEL_UNREACHABLE();
    }
}

void Progress::BecomeProbe() {
    // After a snapshot the follower is known to have at least the snapshot's entries.
    if (state_ == State::kSnapshot) {
        const Index pending = pending_snapshot_;
        ResetState(State::kProbe);
        next_ = std::max(match_.Next(), pending.Next());
    } else {
        ResetState(State::kProbe);
        next_ = match_.Next();
    }
}

void Progress::BecomeReplicate() {
    ResetState(State::kReplicate);
    next_ = match_.Next();
}

void Progress::BecomeSnapshot(Index snapshot_index) {
    KEEL_ASSERT(!snapshot_index.is_none());
    ResetState(State::kSnapshot);
    pending_snapshot_ = snapshot_index;
}

void Progress::OnHeartbeatSent() {
    if (state_ == State::kReplicate && inflights_.Full()) {
        stall_check_ = true;
    }
}

void Progress::OnHeartbeatResponse() {
    ResumeProbe();
    if (stall_check_ && state_ == State::kReplicate && inflights_.Full()) {
        inflights_.FreeFirstOne();
    }
    stall_check_ = false;
}

bool Progress::IsPaused() const {
    switch (state_) {
        case State::kProbe:
            return probe_sent_;
        case State::kReplicate:
            return inflights_.Full();
        case State::kSnapshot:
            return true;
    }
    return true;
}

void Progress::SnapshotFailed() {
    KEEL_ASSERT(state_ == State::kSnapshot);
    ResetState(State::kProbe);
    next_ = match_.Next();
}

void Progress::CheckInvariants(CheckDepth depth) const {
    KEEL_ASSERT_MSG(match_ < next_, "match %d next %d", match_.value(), next_.value());
    if (state_ == State::kSnapshot) {
        KEEL_ASSERT(!pending_snapshot_.is_none());
    } else {
        KEEL_ASSERT(pending_snapshot_.is_none());
    }
    if (state_ != State::kReplicate) {
        KEEL_ASSERT(inflights_.count() == 0);
    }
    inflights_.CheckInvariants(depth);
}

const char* ProgressStateName(Progress::State state) {
    switch (state) {
        case Progress::State::kProbe:
            return "probe";
        case Progress::State::kReplicate:
            return "replicate";
        case Progress::State::kSnapshot:
            return "snapshot";
    }
    return "unknown";
}

}  // namespace keel::raft
