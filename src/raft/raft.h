// Raft: the protocol core behind RawNode. Roles, timers and one handler per message type,
// following Ongaro's dissertation (2014) and the Raft paper; the section that justifies each
// step is cited where it happens.
//
// Raft holds the volatile and persistent state of one member (Figure 2) and the log view;
// it never touches storage, sockets or clocks. Outputs accumulate (messages, confirmed and
// dropped reads) until RawNode collects them into a Ready. Owned by RawNode; single-threaded.
//
// Invariant: a leader's progress tracker has an entry for itself (if it is a member) and its
//            term equals term_ of the election it won.
// Invariant: voted_for is either none or was set in the current term.
// Invariant: lead_transferee is only set on a leader, and only to a voter other than itself.
// Invariant: only a leader has read requests queued in read_only_; only a follower has
//            forwarded reads outstanding.
// Invariant: the log's invariants hold (RaftLog::CheckInvariants).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "base/rng.h"
#include "raft/progress_tracker.h"
#include "raft/raft_log.h"
#include "raft/raw_node.h"
#include "raft/read_only.h"
#include "raft/types.h"

namespace keel::raft {

class Raft {
public:
    // Validates `config` and `restored` (see RawNode::Create) and builds a follower.
    static absl::StatusOr<std::unique_ptr<Raft>> Create(const Config& config, Restored restored);

    // Inputs; the contracts are RawNode's.
    void Tick();
    absl::Status Step(const Message& m);
    ProposeResult Propose(std::string data);
    ProposeResult ProposeConfChange(const ConfChange& change);
    ConfState ApplyConfChange(const ConfChange& change);
    void ReadIndex(std::string context);
    void TransferLeadership(NodeId transferee);
    void Campaign();
    absl::Status Compact(Snapshot snapshot);
    void ReportUnreachable(NodeId peer);
    void ReportSnapshot(NodeId peer, SnapshotStatus status);

    // The caller persisted entries up to (stable_index, stable_term), installed the snapshot
    // at `snapshot_index` (0: none), and applied up to `applied` (0: nothing new).
    void OnAdvance(Index stable_index, Term stable_term, Index snapshot_index, Index applied);

    // Outputs, collected by RawNode.
    std::vector<Message> TakeMessages() { return std::exchange(msgs_, {}); }

    std::vector<ReadState> TakeReadStates() { return std::exchange(read_states_, {}); }

    std::vector<std::string> TakeDroppedReads() { return std::exchange(dropped_reads_, {}); }

    bool HasOutput() const;

    HardState hard_state() const;

    SoftState soft_state() const { return {.leader = leader_, .role = role_}; }

    const RaftLog& log() const { return log_; }

    const std::optional<Snapshot>& snapshot() const { return snapshot_; }

    const ProgressTracker& tracker() const { return tracker_; }

    NodeId id() const { return id_; }

    Term term() const { return term_; }

    NodeId leader() const { return leader_; }

    Role role() const { return role_; }

    NodeId lead_transferee() const { return lead_transferee_; }

    void CheckInvariants(CheckDepth depth) const;

private:
    enum class CampaignKind : uint8_t {
        kPreVote,
        kElection,
        kTransfer
    };

    Raft(const Config& config, RaftLog log);

    // Role transitions (§3.3, §9.6).
    void Reset(Term term);
    void BecomeFollower(Term term, NodeId leader);
    void BecomePreCandidate();
    void BecomeCandidate();
    void BecomeLeader();
    bool Promotable() const;
    bool HasUnappliedConfChanges() const;
    void Hup(CampaignKind kind);
    void StartCampaign(CampaignKind kind);
    void ResetRandomizedElectionTimeout();

    // Timers.
    void TickElection();
    void TickHeartbeat();

    // Message handling.
    bool HandleTerm(const Message& m);
    absl::Status StepLeader(const Message& m);
    absl::Status StepCandidate(const Message& m);
    absl::Status StepFollower(const Message& m);
    void HandleVoteRequest(const Message& m);
    void RejectVote(const Message& m);
    void HandleVoteResponse(const Message& m);
    void LearnCommitFromVoter(const Message& m);
    absl::Status HandleAppend(const Message& m);
    absl::Status HandleHeartbeat(const Message& m);
    void HandleSnapshot(const Message& m);
    absl::Status HandleAppendResponse(const Message& m);
    void HandleHeartbeatResponse(const Message& m);
    void HandleReadIndexResponse(const Message& m);
    bool Restore(const Snapshot& snapshot);

    // Replication (§3.5, §5).
    void Send(Message m);
    bool SendAppend(NodeId to, bool send_if_empty);
    bool SendSnapshot(NodeId to, Progress& pr);
    void SendHeartbeat(NodeId to, const std::string& context);
    void BcastAppend();
    void BcastHeartbeat(const std::string& context);
    void AppendEntries(std::vector<Entry> entries);
    bool MaybeCommit();
    void ReduceUncommitted(Index from, Index to);
    void MaybeAutoLeave();
    ProposeError CheckCanPropose(size_t bytes) const;

    // Reads (§6.4) and leadership transfer (§3.10).
    void AddLeaderRead(ReadRequest request);
    void MaybeStartReadRound();
    void MaybeFinishReadRound();
    void AnswerRead(const ReadRequest& request, Index index);
    void RejectRead(const ReadRequest& request);
    void DropLeaderReads();
    void DropForwardedReads();
    bool CommittedInCurrentTerm() const;
    void StartTransfer(NodeId transferee);

    void AbortTransfer() { lead_transferee_ = NodeId::None(); }

    const Config config_;
    const NodeId id_;
    base::Rng rng_;

    // Persistent state (Figure 2); the log's commit index is persisted alongside.
    Term term_;
    NodeId vote_;
    RaftLog log_;
    // The newest snapshot with its payload, to send to lagging followers; nullopt after a
    // restart until the application hands one over with Compact().
    std::optional<Snapshot> snapshot_;

    // Volatile state.
    Role role_ = Role::kFollower;
    NodeId leader_;
    ProgressTracker tracker_;
    int election_elapsed_ = 0;
    int heartbeat_elapsed_ = 0;
    int randomized_election_timeout_ = 0;
    NodeId lead_transferee_;
    // The index of the latest conf change the leader appended (or its last index on election):
    // no new conf change may be proposed until it is applied (§4.1, one at a time).
    Index pending_conf_index_;
    size_t uncommitted_bytes_ = 0;
    ReadOnly read_only_;
    std::vector<std::string> forwarded_reads_;

    // Outputs.
    std::vector<Message> msgs_;
    std::vector<ReadState> read_states_;
    std::vector<std::string> dropped_reads_;
};

}  // namespace keel::raft
