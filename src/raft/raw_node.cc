#include "raft/raw_node.h"

#include "base/assert.h"
#include "raft/raft.h"

namespace keel::raft {

const char* RoleName(Role role) {
    switch (role) {
        case Role::kFollower:
            return "follower";
        case Role::kPreCandidate:
            return "pre-candidate";
        case Role::kCandidate:
            return "candidate";
        case Role::kLeader:
            return "leader";
    }
    return "unknown";
}

const char* ProposeErrorName(ProposeError error) {
    switch (error) {
        case ProposeError::kNone:
            return "none";
        case ProposeError::kNotLeader:
            return "not-leader";
        case ProposeError::kTransferInProgress:
            return "transfer-in-progress";
        case ProposeError::kTooManyUncommitted:
            return "too-many-uncommitted";
        case ProposeError::kConfChangePending:
            return "conf-change-pending";
        case ProposeError::kInvalidConfChange:
            return "invalid-conf-change";
        case ProposeError::kTooLarge:
            return "too-large";
    }
    return "unknown";
}

bool Ready::empty() const {
    return !soft_state.has_value() && !hard_state.has_value() && !snapshot.has_value()
           && entries.empty() && committed_entries.empty() && messages.empty()
           && read_states.empty() && dropped_read_contexts.empty();
}

absl::StatusOr<std::unique_ptr<RawNode>> RawNode::Create(const Config& config, Restored restored) {
    absl::StatusOr<std::unique_ptr<Raft>> raft = Raft::Create(config, std::move(restored));
    if (!raft.ok()) {
        return raft.status();
    }
    std::unique_ptr<RawNode> node(new RawNode(*std::move(raft)));
    return node;
}

RawNode::RawNode(std::unique_ptr<Raft> raft)
    : raft_(std::move(raft)),
      prev_soft_state_(raft_->soft_state()),
      prev_hard_state_(raft_->hard_state()) {}

RawNode::~RawNode() = default;

void RawNode::Tick() {
    raft_->Tick();
    raft_->CheckInvariants(kTransitionCheckDepth);
}

absl::Status RawNode::Step(const Message& message) {
    absl::Status status = raft_->Step(message);
    raft_->CheckInvariants(kTransitionCheckDepth);
    return status;
}

ProposeResult RawNode::Propose(std::string data) {
    ProposeResult result = raft_->Propose(std::move(data));
    raft_->CheckInvariants(kTransitionCheckDepth);
    return result;
}

ProposeResult RawNode::ProposeConfChange(const ConfChange& change) {
    ProposeResult result = raft_->ProposeConfChange(change);
    raft_->CheckInvariants(kTransitionCheckDepth);
    return result;
}

ConfState RawNode::ApplyConfChange(const ConfChange& change) {
    ConfState conf = raft_->ApplyConfChange(change);
    raft_->CheckInvariants(kTransitionCheckDepth);
    return conf;
}

void RawNode::ReadIndex(std::string context) {
    raft_->ReadIndex(std::move(context));
    raft_->CheckInvariants(kTransitionCheckDepth);
}

void RawNode::TransferLeadership(NodeId transferee) {
    raft_->TransferLeadership(transferee);
    raft_->CheckInvariants(kTransitionCheckDepth);
}

void RawNode::Campaign() {
    raft_->Campaign();
    raft_->CheckInvariants(kTransitionCheckDepth);
}

absl::Status RawNode::Compact(Snapshot snapshot) {
    absl::Status status = raft_->Compact(std::move(snapshot));
    raft_->CheckInvariants(kTransitionCheckDepth);
    return status;
}

void RawNode::ReportUnreachable(NodeId peer) {
    raft_->ReportUnreachable(peer);
    raft_->CheckInvariants(kTransitionCheckDepth);
}

void RawNode::ReportSnapshot(NodeId peer, SnapshotStatus status) {
    raft_->ReportSnapshot(peer, status);
    raft_->CheckInvariants(kTransitionCheckDepth);
}

bool RawNode::HasReady() const {
    if (in_flight_.has_value()) {
        return false;
    }
    const RaftLog& log = raft_->log();
    return raft_->soft_state() != prev_soft_state_ || raft_->hard_state() != prev_hard_state_
           || log.snapshot_pending() || log.stable() < log.last_index()
           || log.HasNextCommittedEntries() || raft_->HasOutput();
}

Ready RawNode::GetReady() {
    KEEL_ASSERT_MSG(!in_flight_.has_value(), "GetReady() twice without Advance()");
    const RaftLog& log = raft_->log();
    Ready ready;
    InFlightReady in_flight;
    if (const SoftState soft = raft_->soft_state(); soft != prev_soft_state_) {
        ready.soft_state = soft;
        prev_soft_state_ = soft;
    }
    const HardState hard = raft_->hard_state();
    if (hard != prev_hard_state_) {
        ready.hard_state = hard;
        ready.must_sync =
            hard.term != prev_hard_state_.term || hard.voted_for != prev_hard_state_.voted_for;
        prev_hard_state_ = hard;
    }
    if (log.snapshot_pending()) {
        KEEL_ASSERT(raft_->snapshot().has_value());
        ready.snapshot = raft_->snapshot();
        in_flight.snapshot = ready.snapshot->meta.index;
        ready.must_sync = true;
    }
    ready.entries = log.UnstableEntries();
    if (!ready.entries.empty()) {
        in_flight.last_index = ready.entries.back().index;
        in_flight.last_term = ready.entries.back().term;
        ready.must_sync = true;
    }
    ready.committed_entries = log.NextCommittedEntries();
    if (!ready.committed_entries.empty()) {
        in_flight.applied = ready.committed_entries.back().index;
    }
    ready.messages = raft_->TakeMessages();
    ready.read_states = raft_->TakeReadStates();
    ready.dropped_read_contexts = raft_->TakeDroppedReads();
    in_flight_ = in_flight;
    return ready;
}

void RawNode::Advance() {
    KEEL_ASSERT_MSG(in_flight_.has_value(), "Advance() without GetReady()");
    const InFlightReady done = *in_flight_;
    in_flight_.reset();
    raft_->OnAdvance(done.last_index, done.last_term, done.snapshot, done.applied);
    raft_->CheckInvariants(kTransitionCheckDepth);
}

static_assert(static_cast<int>(ProgressView::State::kProbe)
              == static_cast<int>(Progress::State::kProbe));
static_assert(static_cast<int>(ProgressView::State::kReplicate)
              == static_cast<int>(Progress::State::kReplicate));
static_assert(static_cast<int>(ProgressView::State::kSnapshot)
              == static_cast<int>(Progress::State::kSnapshot));

Status RawNode::GetStatus() const {
    const RaftLog& log = raft_->log();
    Status status{.id = raft_->id(),
                  .hard_state = raft_->hard_state(),
                  .soft_state = raft_->soft_state(),
                  .applied = log.applied(),
                  .first_index = log.first_index(),
                  .last_index = log.last_index(),
                  .conf_state = raft_->tracker().conf(),
                  .lead_transferee = raft_->lead_transferee()};
    if (raft_->role() != Role::kLeader) {
        return status;
    }
    for (const auto& [id, pr] : raft_->tracker().progress()) {
        status.progress.push_back({.id = id,
                                   .match = pr.match(),
                                   .next = pr.next(),
                                   .state = static_cast<ProgressView::State>(pr.state()),
                                   .is_learner = pr.is_learner(),
                                   .recent_active = pr.recent_active(),
                                   .inflight_msgs = pr.inflights().count()});
    }
    return status;
}

NodeId RawNode::id() const {
    return raft_->id();
}

NodeId RawNode::leader() const {
    return raft_->leader();
}

Role RawNode::role() const {
    return raft_->role();
}

Term RawNode::term() const {
    return raft_->term();
}

void RawNode::CheckInvariants() const {
    raft_->CheckInvariants(CheckDepth::kFull);
}

}  // namespace keel::raft
