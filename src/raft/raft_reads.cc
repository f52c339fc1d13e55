// Linearizable reads (dissertation §6.4) and leadership transfer (§3.10) on the Raft core.

#include <algorithm>

#include "base/assert.h"
#include "raft/limits.h"
#include "raft/quorum.h"
#include "raft/raft.h"

namespace keel::raft {

bool Raft::CommittedInCurrentTerm() const {
    return log_.TermAt(log_.committed()) == term_;
}

void Raft::ReadIndex(std::string context) {
    if (role_ == Role::kLeader) {
        AddLeaderRead({.context = std::move(context), .origin = id_});
        return;
    }
    if (role_ != Role::kFollower || leader_.is_none()
        || forwarded_reads_.size() >= kForwardedReadsMax) {
        dropped_reads_.push_back(std::move(context));
        return;
    }
    forwarded_reads_.push_back(context);
    Send({.type = MessageType::kReadIndex, .to = leader_, .context = std::move(context)});
}

void Raft::AddLeaderRead(ReadRequest request) {
    if (!read_only_.Add(request)) {
        RejectRead(request);
        return;
    }
    MaybeStartReadRound();
}

// §6.4 step 1: the read index is the commit index, but only once the leader has committed an
// entry of its own term (before that it may not know the latest commit index). Step 2 is the
// heartbeat round; with lease-based reads the lease stands in for it (§6.4.1).
void Raft::MaybeStartReadRound() {
    if (role_ != Role::kLeader || !CommittedInCurrentTerm()) {
        return;
    }
    std::optional<std::string> context = read_only_.MaybeStartRound(log_.committed());
    if (!context.has_value()) {
        return;
    }
    read_only_.RecordAck(id_, *context);
    if (config_.read_only_mode == ReadOnlyMode::kSafe) {
        BcastHeartbeat(*context);
    }
    MaybeFinishReadRound();
}

void Raft::MaybeFinishReadRound() {
    if (!read_only_.round_in_flight()) {
        return;
    }
    const bool lease = config_.read_only_mode == ReadOnlyMode::kLeaseBased;
    const ConfState& conf = tracker_.conf();
    if (!lease
        && JointVoteResult({.incoming = conf.voters, .outgoing = conf.voters_outgoing},
                           read_only_.acks())
               != VoteResult::kWon) {
        return;
    }
    Index read_index;
    for (const ReadRequest& request : read_only_.FinishRound(read_index)) {
        AnswerRead(request, read_index);
    }
    // Requests that arrived during the round need a round of their own.
    MaybeStartReadRound();
}

void Raft::AnswerRead(const ReadRequest& request, Index index) {
    if (request.origin == id_) {
        read_states_.push_back({.index = index, .context = request.context});
        return;
    }
    Send({.type = MessageType::kReadIndexResponse,
          .to = request.origin,
          .index = index,
          .context = request.context});
}

void Raft::RejectRead(const ReadRequest& request) {
    if (request.origin == id_) {
        dropped_reads_.push_back(request.context);
        return;
    }
    Send({.type = MessageType::kReadIndexResponse,
          .to = request.origin,
          .reject = true,
          .context = request.context});
}

void Raft::DropLeaderReads() {
    for (const ReadRequest& request : read_only_.TakeAll()) {
        RejectRead(request);
    }
}

void Raft::DropForwardedReads() {
    for (std::string& context : forwarded_reads_) {
        dropped_reads_.push_back(std::move(context));
    }
    forwarded_reads_.clear();
}

void Raft::HandleReadIndexResponse(const Message& m) {
    auto it = std::find(forwarded_reads_.begin(), forwarded_reads_.end(), m.context);
    if (it == forwarded_reads_.end()) {
        return;  // a duplicate, or a request already dropped
    }
    forwarded_reads_.erase(it);
    if (m.reject) {
        dropped_reads_.push_back(m.context);
        return;
    }
    read_states_.push_back({.index = m.index, .context = m.context});
}

void Raft::TransferLeadership(NodeId transferee) {
    if (role_ == Role::kLeader) {
        StartTransfer(transferee);
    } else if (!leader_.is_none()) {
        Send({.type = MessageType::kTransferLeader, .to = leader_, .transferee = transferee});
    }
}

// §3.10: stop accepting proposals, bring the transferee up to date, then tell it to start an
// election at once. TickHeartbeat abandons the transfer after an election timeout.
void Raft::StartTransfer(NodeId transferee) {
    const Progress* pr = tracker_.Get(transferee);
    if (transferee == id_ || pr == nullptr || !tracker_.IsVoter(transferee)) {
        return;
    }
    if (lead_transferee_ == transferee) {
        return;  // already in progress
    }
    lead_transferee_ = transferee;
    election_elapsed_ = 0;
    if (pr->match() == log_.last_index()) {
        Send({.type = MessageType::kTimeoutNow, .to = transferee});
    } else {
        SendAppend(transferee, /*send_if_empty=*/true);
    }
}

}  // namespace keel::raft
