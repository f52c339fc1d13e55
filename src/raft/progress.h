// What a leader knows about one follower's log (Figure 2's nextIndex and matchIndex) and how
// it paces AppendEntries to it (flow control: probe, replicate, snapshot).
//
// Owned by the leader's ProgressTracker; single-threaded like the rest of the core.
//
//   kProbe:     the leader does not know where the follower's log diverges. It sends one
//               AppendEntries at a time and waits for the answer (or a heartbeat response)
//               before sending the next (§5.3 backtracking).
//   kReplicate: the follower's log matches up to `match`; the leader streams entries,
//               pipelining up to the inflight limits (§10.2.2 of the dissertation).
//   kSnapshot:  the follower needs entries the leader has compacted away; a snapshot is in
//               transit and nothing else is sent until it is reported or acknowledged.
//
// Invariant: match < next.
// Invariant: in kSnapshot, pending_snapshot is set; outside it, it is 0.
// Invariant: outside kReplicate the inflight window is empty.
#pragma once

#include <cstddef>
#include <deque>

#include "raft/invariants.h"
#include "raft/types.h"

namespace keel::raft {

// The AppendEntries messages sent to one follower and not yet acknowledged, in send order.
// Invariant: count() <= msgs_max; the last indexes are strictly increasing.
class Inflights {
public:
    Inflights(size_t msgs_max, size_t bytes_max) : msgs_max_(msgs_max), bytes_max_(bytes_max) {}

    // Records a message whose last entry is `last` carrying `bytes` of entry data.
    // Precondition: !Full(), and `last` is above every recorded index.
    void Add(Index last, size_t bytes);
    // Forgets every message whose last index is <= `index` (they were acknowledged).
    void FreeLE(Index index);
    // Forgets the oldest message, if any.
    void FreeFirstOne();
    void Reset();

    bool Full() const { return window_.size() >= msgs_max_ || bytes_ >= bytes_max_; }

    size_t count() const { return window_.size(); }

    size_t bytes() const { return bytes_; }

    void CheckInvariants(CheckDepth depth) const;

private:
    struct Sent {
        Index last;
        size_t bytes;
    };

    size_t msgs_max_;
    size_t bytes_max_;
    size_t bytes_ = 0;
    std::deque<Sent> window_;
};

class Progress {
public:
    enum class State : uint8_t {
        kProbe,
        kReplicate,
        kSnapshot
    };

    Progress(Index next, size_t inflight_msgs_max, size_t inflight_bytes_max, bool is_learner);

    // An acknowledgement that the follower's log matches up to `index`. Returns true if it
    // raised match. Either way the follower is alive, so a paused probe may resume.
    bool MaybeUpdate(Index index);

    // A rejection of the AppendEntries whose previous index was `rejected`; `hint` is the
    // index the leader should try next (already adjusted by the conflict term, §5.3). Returns
    // false if the rejection is stale (answers an older message) and changed nothing.
    bool MaybeDecrTo(Index rejected, Index hint);

    // Records that an AppendEntries with entries up to `last` (and `bytes` of data) was sent.
    // With no entries (`last` == next - 1) it only pauses a probe.
    void SentEntries(Index last, size_t bytes);

    void BecomeProbe();
    void BecomeReplicate();
    void BecomeSnapshot(Index snapshot_index);

    // True if the leader must not send more AppendEntries now.
    bool IsPaused() const;

    // A heartbeat is going out to the follower. If the replicate window is full, the round
    // trip of this heartbeat tests whether the window is stalled.
    void OnHeartbeatSent();
    // The follower answered a heartbeat, so it is reachable: a paused probe may send again.
    // If the window was full when the heartbeat left and no acknowledgement arrived since,
    // every message in it was lost: give up one slot. The next append then either fills the
    // gap or is rejected, and the rejection moves the follower back to probe. (Freeing a
    // slot on every heartbeat instead would, on a reordering network, keep sending past
    // messages still in flight and turn them into rejections.)
    void OnHeartbeatResponse();

    void ResumeProbe() { probe_sent_ = false; }

    void PauseProbe() { probe_sent_ = true; }

    Index match() const { return match_; }

    Index next() const { return next_; }

    State state() const { return state_; }

    Index pending_snapshot() const { return pending_snapshot_; }

    bool is_learner() const { return is_learner_; }

    void set_is_learner(bool is_learner) { is_learner_ = is_learner; }

    bool recent_active() const { return recent_active_; }

    void set_recent_active(bool active) { recent_active_ = active; }

    const Inflights& inflights() const { return inflights_; }

    // An acknowledgement freed the inflight window up to `index` (kReplicate only).
    void FreeInflightsLE(Index index) { inflights_.FreeLE(index); }

    // The snapshot transfer failed: probe again from match + 1.
    void SnapshotFailed();

    void CheckInvariants(CheckDepth depth) const;

private:
    void ResetState(State state);

    Index match_;
    Index next_;
    State state_ = State::kProbe;
    bool probe_sent_ = false;
    // Set when a heartbeat leaves with the replicate window full; cleared by any
    // acknowledgement.
    bool stall_check_ = false;
    Index pending_snapshot_;
    bool recent_active_ = false;
    bool is_learner_ = false;
    Inflights inflights_;
};

const char* ProgressStateName(Progress::State state);

}  // namespace keel::raft
