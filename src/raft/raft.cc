// The Raft core: roles, timers, and the dispatch of incoming messages (dissertation §3).
// Replication lives in raft_replication.cc, reads and leadership transfer in raft_reads.cc,
// construction in raft_create.cc.

#include "raft/raft.h"

#include "base/assert.h"
#include "raft/conf_change.h"
#include "raft/limits.h"
#include "raft/message_check.h"

namespace keel::raft {

Raft::Raft(const Config& config, RaftLog log)
    : config_(config),
      id_(config.id),
      rng_(config.rng_seed),
      log_(std::move(log)),
      tracker_(config.inflight_msgs_max, config.inflight_bytes_max) {}

HardState Raft::hard_state() const {
    return {.term = term_, .voted_for = vote_, .commit = log_.committed()};
}

bool Raft::HasOutput() const {
    return !msgs_.empty() || !read_states_.empty() || !dropped_reads_.empty();
}

// ---- Role transitions ----------------------------------------------------------------------

void Raft::ResetRandomizedElectionTimeout() {
    // §3.4: a timeout drawn uniformly from [T, 2T) makes split votes rare.
    const auto timeout = static_cast<uint64_t>(config_.election_timeout_ticks);
    randomized_election_timeout_ = static_cast<int>(rng_.Range(timeout, 2 * timeout - 1));
}

void Raft::Reset(Term term) {
    if (role_ == Role::kLeader) {
        DropLeaderReads();
    }
    if (term_ != term) {
        KEEL_ASSERT_MSG(term_ < term, "term goes back from %d to %d", term_.value(), term.value());
        term_ = term;
        vote_ = NodeId::None();
    }
    leader_ = NodeId::None();
    election_elapsed_ = 0;
    heartbeat_elapsed_ = 0;
    ResetRandomizedElectionTimeout();
    AbortTransfer();
    tracker_.ResetVotes();
    uncommitted_bytes_ = 0;
}

void Raft::BecomeFollower(Term term, NodeId leader) {
    const NodeId old_leader = leader_;
    Reset(term);
    role_ = Role::kFollower;
    leader_ = leader;
    if (leader != old_leader) {
        DropForwardedReads();
    }
}

void Raft::BecomePreCandidate() {
    KEEL_ASSERT(role_ != Role::kLeader);
    // §9.6: a pre-candidate changes neither its term nor its vote, so a partitioned node that
    // keeps timing out cannot inflate terms and disrupt the cluster when it returns.
    role_ = Role::kPreCandidate;
    leader_ = NodeId::None();
    tracker_.ResetVotes();
    DropForwardedReads();
}

void Raft::BecomeCandidate() {
    KEEL_ASSERT(role_ != Role::kLeader);
    // §3.4: increment the term, vote for self.
    Reset(term_.Next());
    role_ = Role::kCandidate;
    vote_ = id_;
    DropForwardedReads();
}

void Raft::BecomeLeader() {
    KEEL_ASSERT(role_ == Role::kCandidate);
    Reset(term_);
    role_ = Role::kLeader;
    leader_ = id_;
    // Figure 2: nextIndex starts just after the leader's last entry, matchIndex at 0.
    tracker_.ResetAll(log_.last_index().Next());
    if (Progress* self = tracker_.Get(id_); self != nullptr) {
        self->BecomeReplicate();
        self->MaybeUpdate(log_.stable());
        self->set_recent_active(true);
    }
    // Entries of earlier leaders may hold an unapplied conf change: treat them as pending.
    pending_conf_index_ = log_.last_index();
    // §5.4.2 / §6.4: a no-op entry of the new term lets the leader commit (and learn the
    // commit index) without waiting for a client request.
    AppendEntries({Entry{.type = EntryType::kNormal}});
}

bool Raft::Promotable() const {
    return tracker_.IsVoter(id_);
}

bool Raft::HasUnappliedConfChanges() const {
    if (log_.committed() <= log_.applied()) {
        return false;
    }
    for (const Entry& entry : log_.NextCommittedEntries()) {
        if (entry.type == EntryType::kConfChange) {
            return true;
        }
    }
    return false;
}

void Raft::Campaign() {
    Hup(config_.pre_vote ? CampaignKind::kPreVote : CampaignKind::kElection);
}

void Raft::Hup(CampaignKind kind) {
    if (role_ == Role::kLeader || !Promotable()) {
        return;
    }
    // A configuration takes effect when applied; campaigning with a stale one could count the
    // wrong quorum, so wait until committed conf changes are applied.
    if (HasUnappliedConfChanges()) {
        return;
    }
    StartCampaign(kind);
}

void Raft::StartCampaign(CampaignKind kind) {
    Term vote_term;
    MessageType type;
    if (kind == CampaignKind::kPreVote) {
        BecomePreCandidate();
        vote_term = term_.Next();  // the term we would campaign in; our own term is untouched
        type = MessageType::kPreVote;
    } else {
        BecomeCandidate();
        vote_term = term_;
        type = MessageType::kVote;
    }
    tracker_.RecordVote(id_, true);
    if (tracker_.TallyVotes() == VoteResult::kWon) {
        // A single-voter group wins at once.
        if (kind == CampaignKind::kPreVote) {
            StartCampaign(CampaignKind::kElection);
        } else {
            BecomeLeader();
        }
        return;
    }
    for (NodeId voter : tracker_.Voters()) {
        if (voter == id_) {
            continue;
        }
        Send({.type = type,
              .to = voter,
              .term = vote_term,
              .index = log_.last_index(),
              .log_term = log_.last_term(),
              .leadership_transfer = kind == CampaignKind::kTransfer});
    }
}

// ---- Timers ---------------------------------------------------------------------------------

void Raft::Tick() {
    ++election_elapsed_;
    if (role_ == Role::kLeader) {
        TickHeartbeat();
    } else {
        TickElection();
    }
}

void Raft::TickElection() {
    if (Promotable() && election_elapsed_ >= randomized_election_timeout_) {
        election_elapsed_ = 0;
        Campaign();
    }
}

void Raft::TickHeartbeat() {
    ++heartbeat_elapsed_;
    if (election_elapsed_ >= config_.election_timeout_ticks) {
        election_elapsed_ = 0;
        // §6.2: a leader that has not heard from a quorum within an election timeout steps
        // down, so that clients retry elsewhere instead of waiting on a deposed leader.
        if (config_.check_quorum) {
            if (!tracker_.QuorumActive()) {
                BecomeFollower(term_, NodeId::None());
                return;
            }
            tracker_.ForEach([&](NodeId id, Progress& pr) { pr.set_recent_active(id == id_); });
        }
        // §3.10: a transfer that did not finish within an election timeout is abandoned.
        AbortTransfer();
    }
    if (heartbeat_elapsed_ >= config_.heartbeat_interval_ticks) {
        heartbeat_elapsed_ = 0;
        BcastHeartbeat(read_only_.round_context());
    }
}

// ---- Step -----------------------------------------------------------------------------------

absl::Status Raft::Step(const Message& m) {
    if (absl::Status s = ValidateMessage(m, id_); !s.ok()) {
        return s;
    }
    if (!HandleTerm(m)) {
        return absl::OkStatus();
    }
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
        HandleVoteRequest(m);
        return absl::OkStatus();
    }
    if ((m.type == MessageType::kVoteResponse || m.type == MessageType::kPreVoteResponse)
        && m.reject && role_ != Role::kLeader) {
        LearnCommitFromVoter(m);
    }
    switch (role_) {
        case Role::kLeader:
            return StepLeader(m);
        case Role::kPreCandidate:
        case Role::kCandidate:
            return StepCandidate(m);
        case Role::kFollower:
            return StepFollower(m);
    }
    KEEL_UNREACHABLE();
}

// Figure 2, "Rules for all servers", refined by pre-vote (§9.6) and check-quorum (§6.2).
// Returns false if the message is to be ignored.
bool Raft::HandleTerm(const Message& m) {
    if (m.term.is_none()) {
        return true;  // kReadIndex / kTransferLeader: not tied to a term
    }
    const bool is_vote = m.type == MessageType::kVote || m.type == MessageType::kPreVote;
    if (m.term > term_) {
        // §4.2.3 / §6.2: a server that heard from a leader within the minimum election
        // timeout ignores vote requests, unless the candidate acts for a leadership transfer.
        const bool in_lease = config_.check_quorum && !leader_.is_none()
                              && election_elapsed_ < config_.election_timeout_ticks;
        if (is_vote && in_lease && !m.leadership_transfer) {
            return false;
        }
        // A pre-vote (or a granted pre-vote answer) carries a future term: it changes nothing.
        const bool future_term = m.type == MessageType::kPreVote
                                 || (m.type == MessageType::kPreVoteResponse && !m.reject);
        if (!future_term) {
            const bool from_leader = m.type == MessageType::kAppend
                                     || m.type == MessageType::kHeartbeat
                                     || m.type == MessageType::kSnapshot;
            BecomeFollower(m.term, from_leader ? m.from : NodeId::None());
        }
        return true;
    }
    if (m.term < term_) {
        if ((config_.check_quorum || config_.pre_vote)
            && (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat)) {
            // A deposed leader whose messages we ignore would never learn our term (with
            // pre-vote or check-quorum our term may be ahead without an election it heard
            // of): tell it, so that it steps down.
            Send({.type = MessageType::kAppendResponse, .to = m.from});
        } else if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
            // Figure 2: "reply false if term < currentTerm", with our term, so that a
            // candidate whose term fell behind catches up instead of campaigning forever in
            // terms everyone ignores.
            RejectVote(m);
        }
        return false;
    }
    return true;
}

void Raft::HandleVoteRequest(const Message& m) {
    const bool pre_vote = m.type == MessageType::kPreVote;
    // §3.4: at most one vote per term, first come first served; a repeated request from the
    // candidate we voted for is granted again. A pre-vote for a future term binds nothing.
    const bool can_vote =
        vote_ == m.from || (vote_.is_none() && leader_.is_none()) || (pre_vote && m.term > term_);
    // §5.4.1: only a candidate whose log is at least as up-to-date as ours gets the vote.
    const bool up_to_date =
        config_.testing.unsafe_skip_log_up_to_date_check || log_.IsUpToDate(m.index, m.log_term);
    const MessageType response =
        pre_vote ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
    if (can_vote && up_to_date) {
        Send({.type = response, .to = m.from, .term = m.term});
        if (!pre_vote) {
            election_elapsed_ = 0;
            vote_ = m.from;
        }
        return;
    }
    RejectVote(m);
}

void Raft::RejectVote(const Message& m) {
    const MessageType response = m.type == MessageType::kPreVote ? MessageType::kPreVoteResponse
                                                                 : MessageType::kVoteResponse;
    // The rejection tells the candidate our commit index: see LearnCommitFromVoter().
    Send({.type = response,
          .to = m.from,
          .term = term_,
          .log_term = log_.TermAt(log_.committed()).value_or(Term::None()),
          .commit = log_.committed(),
          .reject = true});
}

// A voter that rejects us may know a larger commit index than we do. If our log holds the same
// entry at that index (same term), the Log Matching Property makes our prefix identical to
// the voter's, so that prefix is committed for us too. This matters when configurations take
// effect on apply: a leader removed by C_new steps down as soon as it applies C_new, possibly
// before the voters of C_new learned that C_new is committed; they would otherwise stay in
// C_old,new and need the removed node's vote, which its longer log may deny forever.
void Raft::LearnCommitFromVoter(const Message& m) {
    if (m.commit > log_.committed() && log_.MatchTerm(m.commit, m.log_term)) {
        log_.CommitTo(m.commit);
    }
}

void Raft::HandleVoteResponse(const Message& m) {
    tracker_.RecordVote(m.from, !m.reject);
    switch (tracker_.TallyVotes()) {
        case VoteResult::kWon:
            if (role_ == Role::kPreCandidate) {
                StartCampaign(CampaignKind::kElection);
            } else {
                BecomeLeader();
                BcastAppend();
            }
            return;
        case VoteResult::kLost:
            BecomeFollower(term_, NodeId::None());
            return;
        case VoteResult::kPending:
            return;
    }
}

absl::Status Raft::StepLeader(const Message& m) {
    switch (m.type) {
        case MessageType::kAppendResponse:
            return HandleAppendResponse(m);
        case MessageType::kHeartbeatResponse:
            HandleHeartbeatResponse(m);
            return absl::OkStatus();
        case MessageType::kReadIndex:
            AddLeaderRead({.context = m.context, .origin = m.from});
            return absl::OkStatus();
        case MessageType::kTransferLeader:
            StartTransfer(m.transferee);
            return absl::OkStatus();
        default:
            // Election Safety (§3.4) means no other leader exists in our term; everything
            // else is a late answer to an election we already won.
            return absl::OkStatus();
    }
}

absl::Status Raft::StepCandidate(const Message& m) {
    switch (m.type) {
        case MessageType::kAppend:
        case MessageType::kHeartbeat:
        case MessageType::kSnapshot:
            // §3.4: a candidate that hears from a leader of its term returns to follower.
            BecomeFollower(term_, m.from);
            return StepFollower(m);
        case MessageType::kPreVoteResponse:
            if (role_ == Role::kPreCandidate) {
                HandleVoteResponse(m);
            }
            return absl::OkStatus();
        case MessageType::kVoteResponse:
            if (role_ == Role::kCandidate) {
                HandleVoteResponse(m);
            }
            return absl::OkStatus();
        case MessageType::kReadIndex:
            Send({.type = MessageType::kReadIndexResponse,
                  .to = m.from,
                  .reject = true,
                  .context = m.context});
            return absl::OkStatus();
        default:
            return absl::OkStatus();
    }
}

absl::Status Raft::StepFollower(const Message& m) {
    switch (m.type) {
        case MessageType::kAppend:
            election_elapsed_ = 0;
            leader_ = m.from;
            return HandleAppend(m);
        case MessageType::kHeartbeat:
            election_elapsed_ = 0;
            leader_ = m.from;
            return HandleHeartbeat(m);
        case MessageType::kSnapshot:
            election_elapsed_ = 0;
            leader_ = m.from;
            HandleSnapshot(m);
            return absl::OkStatus();
        case MessageType::kTimeoutNow:
            // §3.10: the leader handed over; start a real election at once, skipping pre-vote.
            Hup(CampaignKind::kTransfer);
            return absl::OkStatus();
        case MessageType::kTransferLeader:
            if (!leader_.is_none()) {
                Send({.type = MessageType::kTransferLeader,
                      .to = leader_,
                      .transferee = m.transferee});
            }
            return absl::OkStatus();
        case MessageType::kReadIndex:
            Send({.type = MessageType::kReadIndexResponse,
                  .to = m.from,
                  .reject = true,
                  .context = m.context});
            return absl::OkStatus();
        case MessageType::kReadIndexResponse:
            HandleReadIndexResponse(m);
            return absl::OkStatus();
        default:
            return absl::OkStatus();
    }
}

void Raft::Send(Message m) {
    m.from = id_;
    const bool termless =
        m.type == MessageType::kReadIndex || m.type == MessageType::kTransferLeader;
    const bool explicit_term = m.type == MessageType::kPreVote
                               || m.type == MessageType::kPreVoteResponse
                               || m.type == MessageType::kVoteResponse;
    if (termless) {
        m.term = Term::None();
    } else if (!explicit_term) {
        m.term = term_;
    }
    KEEL_ASSERT(!m.to.is_none());
    KEEL_ASSERT(m.to != id_);
    msgs_.push_back(std::move(m));
}

// ---- Invariants -----------------------------------------------------------------------------

void Raft::CheckInvariants(CheckDepth depth) const {
    log_.CheckInvariants(depth);
    tracker_.CheckInvariants(depth);
    read_only_.CheckInvariants();
    if (role_ == Role::kLeader) {
        KEEL_ASSERT(leader_ == id_);
        KEEL_ASSERT(vote_ == id_);
        KEEL_ASSERT(forwarded_reads_.empty());
    } else {
        KEEL_ASSERT(lead_transferee_.is_none());
        KEEL_ASSERT(read_only_.waiting() == 0);
        KEEL_ASSERT(read_only_.in_flight() == 0);
    }
    if (role_ == Role::kCandidate) {
        KEEL_ASSERT(vote_ == id_);
    }
    if (!lead_transferee_.is_none()) {
        KEEL_ASSERT(lead_transferee_ != id_);
        KEEL_ASSERT(tracker_.IsVoter(lead_transferee_));
    }
    if (role_ != Role::kFollower) {
        KEEL_ASSERT(forwarded_reads_.empty());
    }
    KEEL_ASSERT(forwarded_reads_.size() <= kForwardedReadsMax);
}

}  // namespace keel::raft
