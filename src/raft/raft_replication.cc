// Log replication (dissertation §3.5), commitment (§3.6, Figure 8), snapshots (§5) and
// membership changes (§4) on the Raft core.

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/limits.h"
#include "raft/conf_change.h"
#include "raft/conf_change_codec.h"
#include "raft/limits.h"
#include "raft/raft.h"

namespace keel::raft {
namespace {

size_t WireBytes(const std::vector<Entry>& entries) {
    size_t bytes = 0;
    for (const Entry& entry : entries) {
        bytes += entry.data.size() + kEntryOverheadBytes;
    }
    return bytes;
}

}  // namespace

// ---- Leader: sending ------------------------------------------------------------------------

// Sends `to` the entries after its next index, or a snapshot if they are compacted away.
// Returns true if a message went out.
bool Raft::SendAppend(NodeId to, bool send_if_empty) {
    Progress* pr = tracker_.Get(to);
    KEEL_ASSERT(pr != nullptr);
    if (pr->IsPaused()) {
        return false;
    }
    const Index prev = pr->next().Prev();
    const std::optional<Term> prev_term = log_.TermAt(prev);
    if (!prev_term.has_value()) {
        return SendSnapshot(to, *pr);
    }
    std::vector<Entry> entries;
    if (pr->next() <= log_.last_index()) {
        std::optional<std::vector<Entry>> slice =
            log_.Slice(pr->next(), log_.last_index(), config_.append_bytes_max);
        if (!slice.has_value()) {
            return SendSnapshot(to, *pr);
        }
        entries = *std::move(slice);
    }
    if (entries.empty() && !send_if_empty) {
        return false;
    }
    const Index last = entries.empty() ? prev : entries.back().index;
    pr->SentEntries(last, WireBytes(entries));
    Send({.type = MessageType::kAppend,
          .to = to,
          .index = prev,
          .log_term = *prev_term,
          .entries = std::move(entries),
          .commit = log_.committed()});
    return true;
}

bool Raft::SendSnapshot(NodeId to, Progress& pr) {
    // A follower that has not answered lately is probably down: do not ship it a snapshot.
    if (!pr.recent_active() || !snapshot_.has_value()) {
        return false;
    }
    KEEL_ASSERT(snapshot_->meta.index == log_.snapshot().index);
    pr.BecomeSnapshot(snapshot_->meta.index);
    Send({.type = MessageType::kSnapshot, .to = to, .snapshot = snapshot_});
    return true;
}

void Raft::SendHeartbeat(NodeId to, const std::string& context) {
    Progress* pr = tracker_.Get(to);
    pr->OnHeartbeatSent();
    // The follower may not have the leader's entries up to the commit index yet; it may
    // commit only what it is known to match.
    const Index commit = std::min(pr->match(), log_.committed());
    Send({.type = MessageType::kHeartbeat, .to = to, .commit = commit, .context = context});
}

void Raft::BcastAppend() {
    tracker_.ForEach([&](NodeId id, Progress&) {
        if (id != id_) {
            SendAppend(id, /*send_if_empty=*/true);
        }
    });
}

void Raft::BcastHeartbeat(const std::string& context) {
    tracker_.ForEach([&](NodeId id, Progress&) {
        if (id != id_) {
            SendHeartbeat(id, context);
        }
    });
}

void Raft::AppendEntries(std::vector<Entry> entries) {
    Index index = log_.last_index();
    for (Entry& entry : entries) {
        entry.term = term_;
        entry.index = ++index;
        uncommitted_bytes_ += entry.data.size();
    }
    log_.Append(std::move(entries));
    // The leader's own copy counts once it is durable (OnAdvance), §10.2.1.
}

// §3.6.2 and Figure 8: the leader commits an entry by counting replicas only if it belongs
// to the leader's current term; earlier entries are committed indirectly by the Log Matching
// Property.
bool Raft::MaybeCommit() {
    const Index quorum_index = tracker_.Committed();
    if (quorum_index <= log_.committed()) {
        return false;
    }
    const bool current_term = log_.TermAt(quorum_index) == term_;
    if (!current_term && !config_.testing.unsafe_commit_previous_term_entries) {
        return false;
    }
    const Index old = log_.committed();
    log_.CommitTo(quorum_index);
    ReduceUncommitted(old, quorum_index);
    MaybeStartReadRound();
    return true;
}

void Raft::ReduceUncommitted(Index from, Index to) {
    for (Index i = from.Next(); i <= to; ++i) {
        const Entry* entry = log_.Find(i);
        if (entry != nullptr && entry->term == term_) {
            uncommitted_bytes_ -= std::min(uncommitted_bytes_, entry->data.size());
        }
    }
}

// ---- Follower: receiving --------------------------------------------------------------------

// Figure 2, AppendEntries receiver implementation; the rejection carries a conflict hint so
// that the leader skips a whole term per round trip (§5.3's optimization).
absl::Status Raft::HandleAppend(const Message& m) {
    if (m.index < log_.committed()) {
        // Everything up to our commit index already matches the leader (Leader Completeness).
        Send({.type = MessageType::kAppendResponse, .to = m.from, .index = log_.committed()});
        return absl::OkStatus();
    }
    Index last_new;
    switch (log_.MaybeAppend(m.index, m.log_term, m.commit, m.entries, last_new)) {
        case AppendOutcome::kAppended:
            Send({.type = MessageType::kAppendResponse, .to = m.from, .index = last_new});
            return absl::OkStatus();
        case AppendOutcome::kMismatch: {
            const auto [hint_index, hint_term] =
                log_.FindConflictByTerm(std::min(m.index, log_.last_index()), m.log_term);
            Send({.type = MessageType::kAppendResponse,
                  .to = m.from,
                  .index = m.index,
                  .log_term = hint_term,
                  .reject = true,
                  .reject_hint = hint_index});
            return absl::OkStatus();
        }
    }
    KEEL_UNREACHABLE();
}

absl::Status Raft::HandleHeartbeat(const Message& m) {
    if (m.commit > log_.last_index()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("heartbeat from %d commits %d beyond our last index %d",
                            m.from.value(),
                            m.commit.value(),
                            log_.last_index().value()));
    }
    log_.CommitTo(m.commit);
    Send({.type = MessageType::kHeartbeatResponse, .to = m.from, .context = m.context});
    return absl::OkStatus();
}

void Raft::HandleSnapshot(const Message& m) {
    if (Restore(*m.snapshot)) {
        Send({.type = MessageType::kAppendResponse, .to = m.from, .index = log_.last_index()});
    } else {
        Send({.type = MessageType::kAppendResponse, .to = m.from, .index = log_.committed()});
    }
}

// Installs a snapshot from the leader (§5.1). Returns false if it brought nothing new.
bool Raft::Restore(const Snapshot& snapshot) {
    const SnapshotMeta& meta = snapshot.meta;
    if (meta.index <= log_.committed()) {
        return false;
    }
    if (log_.MatchTerm(meta.index, meta.term)) {
        // We hold the snapshot's last entry: our log already contains what it covers.
        log_.CommitTo(meta.index);
        return false;
    }
    log_.Restore(meta);
    snapshot_ = snapshot;
    tracker_.SetConf(meta.conf_state, log_.last_index().Next());
    return true;
}

// ---- Leader: receiving ----------------------------------------------------------------------

absl::Status Raft::HandleAppendResponse(const Message& m) {
    Progress* pr = tracker_.Get(m.from);
    if (pr == nullptr) {
        return absl::OkStatus();  // not a member (any more)
    }
    if (!m.reject && m.index > log_.last_index()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("append response from %d acknowledges %d beyond our last index %d",
                            m.from.value(),
                            m.index.value(),
                            log_.last_index().value()));
    }
    pr->set_recent_active(true);
    if (m.reject) {
        // §5.3: back off; with the follower's hint, skip every entry of the conflicting term.
        Index hint = m.reject_hint;
        if (!m.log_term.is_none()) {
            hint = log_.FindConflictByTerm(m.reject_hint, m.log_term).first;
        }
        if (pr->MaybeDecrTo(m.index, hint)) {
            if (pr->state() == Progress::State::kReplicate) {
                pr->BecomeProbe();
            }
            SendAppend(m.from, /*send_if_empty=*/true);
        }
        return absl::OkStatus();
    }
    if (!pr->MaybeUpdate(m.index)) {
        return absl::OkStatus();
    }
    switch (pr->state()) {
        case Progress::State::kProbe:
            pr->BecomeReplicate();
            break;
        case Progress::State::kSnapshot:
            if (pr->match() >= pr->pending_snapshot()) {
                pr->BecomeReplicate();
            }
            break;
        case Progress::State::kReplicate:
            pr->FreeInflightsLE(m.index);
            break;
    }
    if (MaybeCommit()) {
        BcastAppend();  // tell followers the new commit index
    }
    // Pipelining (§10.2.2): fill the window with as many messages as flow control allows.
    for (size_t sent = 0; sent < config_.inflight_msgs_max; ++sent) {
        if (!SendAppend(m.from, /*send_if_empty=*/false)) {
            break;
        }
    }
    if (m.from == lead_transferee_ && pr->match() == log_.last_index()) {
        Send({.type = MessageType::kTimeoutNow, .to = m.from});
    }
    return absl::OkStatus();
}

void Raft::HandleHeartbeatResponse(const Message& m) {
    Progress* pr = tracker_.Get(m.from);
    if (pr == nullptr) {
        return;
    }
    pr->set_recent_active(true);
    pr->OnHeartbeatResponse();
    if (pr->match() < log_.last_index()) {
        SendAppend(m.from, /*send_if_empty=*/true);
    }
    if (!m.context.empty() && read_only_.RecordAck(m.from, m.context)) {
        MaybeFinishReadRound();
    }
}

// ---- Proposals and membership ---------------------------------------------------------------

ProposeError Raft::CheckCanPropose(size_t bytes) const {
    if (role_ != Role::kLeader) {
        return ProposeError::kNotLeader;
    }
    if (!lead_transferee_.is_none()) {
        return ProposeError::kTransferInProgress;  // §3.10: stop accepting new requests
    }
    if (bytes > base::kEntryBytesMax) {
        return ProposeError::kTooLarge;
    }
    if (config_.uncommitted_bytes_max > 0 && uncommitted_bytes_ > 0
        && uncommitted_bytes_ + bytes > config_.uncommitted_bytes_max) {
        return ProposeError::kTooManyUncommitted;
    }
    return ProposeError::kNone;
}

ProposeResult Raft::Propose(std::string data) {
    if (ProposeError error = CheckCanPropose(data.size()); error != ProposeError::kNone) {
        return {.error = error, .leader_hint = leader_};
    }
    AppendEntries({Entry{.type = EntryType::kNormal, .data = std::move(data)}});
    BcastAppend();
    return {.leader_hint = id_, .index = log_.last_index(), .term = term_};
}

ProposeResult Raft::ProposeConfChange(const ConfChange& change) {
    const size_t bytes = change.context.size() + change.changes.size() * 9 + 16;
    if (ProposeError error = CheckCanPropose(bytes); error != ProposeError::kNone) {
        return {.error = error, .leader_hint = leader_};
    }
    // §4.1: one change at a time; a change is in progress until it is applied.
    if (pending_conf_index_ > log_.applied()) {
        return {.error = ProposeError::kConfChangePending, .leader_hint = id_};
    }
    if (change.context.size() > kConfChangeContextBytesMax
        || !ApplyConfChangeToConf(tracker_.conf(), change).ok()) {
        return {.error = ProposeError::kInvalidConfChange, .leader_hint = id_};
    }
    AppendEntries({Entry{.type = EntryType::kConfChange, .data = EncodeConfChange(change)}});
    pending_conf_index_ = log_.last_index();
    BcastAppend();
    return {.leader_hint = id_, .index = log_.last_index(), .term = term_};
}

ConfState Raft::ApplyConfChange(const ConfChange& change) {
    absl::StatusOr<ConfState> next = ApplyConfChangeToConf(tracker_.conf(), change);
    if (!next.ok()) {
        // Every member ignores the same invalid committed change, so they stay in agreement.
        return tracker_.conf();
    }
    tracker_.SetConf(*next, log_.last_index().Next());
    if (role_ == Role::kLeader) {
        if (!lead_transferee_.is_none() && !tracker_.IsVoter(lead_transferee_)) {
            AbortTransfer();
        }
        if (!tracker_.IsVoter(id_)) {
            // §4.2.2: a leader that is no longer part of the configuration steps down once
            // the change is committed (it is, since it is being applied).
            BecomeFollower(term_, NodeId::None());
        } else {
            // The quorum changed, which may commit more; new members start receiving the log.
            MaybeCommit();
            BcastAppend();
        }
    }
    return tracker_.conf();
}

// §4.3: with auto_leave, the leader proposes C_new once C_old,new is applied.
void Raft::MaybeAutoLeave() {
    const ConfState& conf = tracker_.conf();
    if (role_ != Role::kLeader || !IsJoint(conf) || !conf.auto_leave
        || pending_conf_index_ > log_.applied()) {
        return;
    }
    AppendEntries({Entry{.type = EntryType::kConfChange, .data = EncodeConfChange(ConfChange{})}});
    pending_conf_index_ = log_.last_index();
    BcastAppend();
}

// ---- Snapshots and reports ------------------------------------------------------------------

absl::Status Raft::Compact(Snapshot snapshot) {
    const SnapshotMeta& meta = snapshot.meta;
    if (meta.index <= log_.snapshot().index) {
        return absl::FailedPreconditionError(
            absl::StrFormat("compact: index %d is not above the current snapshot %d",
                            meta.index.value(),
                            log_.snapshot().index.value()));
    }
    if (meta.index > log_.applied()) {
        return absl::FailedPreconditionError(
            absl::StrFormat("compact: index %d is not applied yet (applied %d)",
                            meta.index.value(),
                            log_.applied().value()));
    }
    if (!log_.MatchTerm(meta.index, meta.term)) {
        return absl::InvalidArgumentError("compact: snapshot term does not match the log");
    }
    if (absl::Status s = ValidateConfState(meta.conf_state); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("compact: ", s.message()));
    }
    log_.CompactTo(meta);
    snapshot_ = std::move(snapshot);
    return absl::OkStatus();
}

void Raft::ReportUnreachable(NodeId peer) {
    Progress* pr = tracker_.Get(peer);
    if (role_ != Role::kLeader || pr == nullptr || peer == id_) {
        return;
    }
    // Messages in flight are probably lost: stop pipelining and probe.
    if (pr->state() == Progress::State::kReplicate) {
        pr->BecomeProbe();
    }
}

void Raft::ReportSnapshot(NodeId peer, SnapshotStatus status) {
    Progress* pr = tracker_.Get(peer);
    if (role_ != Role::kLeader || pr == nullptr || pr->state() != Progress::State::kSnapshot) {
        return;
    }
    if (status == SnapshotStatus::kFailed) {
        pr->SnapshotFailed();
    } else {
        pr->BecomeProbe();
    }
    // Wait for the follower's answer (or the next heartbeat response) before probing.
    pr->PauseProbe();
}

void Raft::OnAdvance(Index stable_index, Term stable_term, Index snapshot_index, Index applied) {
    if (!snapshot_index.is_none()) {
        log_.SnapshotInstalled(snapshot_index);
    }
    if (!stable_index.is_none()) {
        log_.StableTo(stable_index, stable_term);
    }
    if (!applied.is_none()) {
        log_.AppliedTo(applied);
    }
    if (role_ == Role::kLeader) {
        Progress* self = tracker_.Get(id_);
        if (self != nullptr && self->MaybeUpdate(log_.stable()) && MaybeCommit()) {
            BcastAppend();
        }
        MaybeAutoLeave();
    }
}

}  // namespace keel::raft
