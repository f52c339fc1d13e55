// The requests the loop thread owes an answer: proposals waiting for their entry to apply, and
// linearizable reads waiting for their read index to be confirmed and applied.
//
// A proposal is identified by where Raft put it: (index, term) from RawNode::Propose. The
// entry applied at that index either has that term (it is our entry: answer with its
// response) or another one (another leader replaced it: answer LeaderChangedError(), and the
// client may retry). Matching on (index, term) rather than on the request id alone keeps a
// restarted member from confusing a replayed entry of its previous life with a new request.
//
// A read is identified by its ReadIndex context. Once Raft confirms it (ReadState), it waits
// until the applied index reaches the confirmed index (dissertation §6.4).
//
// Every waiter carries a deadline; Expire() answers the overdue ones, so the tables stay
// bounded by the request rate times the timeout even if the cluster never makes progress.
//
// Threading: owned and used by the loop thread only; answers reach the RPC threads through
// std::promise, or a callback that finishes the RPC (owed_answer.h).
// Invariant: every waiter is in exactly one table until it is answered, then in none.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <string>
#include <vector>

#include <absl/status/statusor.h>

#include "base/ids.h"
#include "raft/raw_node.h"
#include "server/command_applier.h"
#include "server/owed_answer.h"

namespace keel::server {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
using ProposalPromise = OwedAnswer<absl::StatusOr<CommandResponse>>;
using ReadPromise = OwedAnswer<absl::Status>;

class ProposalWaiters {
public:
    // Registers the proposal Raft appended at (index, term). A waiter of an older term at the
    // same index lost its entry: it is answered with LeaderChangedError().
    void Add(Index index, Term term, ProposalPromise promise, Deadline deadline);

    // The entry (index, term) was applied with `response`. Answers the waiter at `index`.
    void OnApplied(Index index, Term term, const absl::StatusOr<CommandResponse>& response);

    // Answers every waiter whose deadline is before `now` with RequestTimeoutError().
    void Expire(Deadline now);

    // Answers every waiter with `status` (shutdown).
    void FailAll(const absl::Status& status);

    size_t size() const { return waiters_.size(); }

private:
    struct Waiter {
        Term term;
        ProposalPromise promise;
        Deadline deadline;
    };

    std::map<Index, Waiter> waiters_;
};

class ReadWaiters {
public:
    // A read waiting for its read index, as handed back by TakeUnconfirmed.
    struct Unconfirmed {
        ReadPromise promise;
        Deadline deadline;
    };

    // Registers a read issued at `issued` under `context`. Precondition: `context` is unused.
    void Add(std::string context, ReadPromise promise, Deadline deadline, Deadline issued);

    // Removes and returns the reads issued before `issued_before` that Raft has not confirmed,
    // for the caller to issue again under new contexts: a forwarded ReadIndex request or its
    // answer may be lost in transit, and Raft does not resend either.
    std::vector<Unconfirmed> TakeUnconfirmed(Deadline issued_before);

    // Raft confirmed the read `state.context` at `state.index`. Unknown contexts (expired
    // reads, or another member's forwarded read) are ignored.
    void Confirm(const raft::ReadState& state);

    // Raft dropped the read (no leader): answers it with NoLeaderError().
    void Drop(const std::string& context);

    // Answers every confirmed read whose index is at or below `applied`.
    void OnApplied(Index applied);

    void Expire(Deadline now);
    void FailAll(const absl::Status& status);

    size_t size() const { return unconfirmed_.size() + confirmed_.size(); }

private:
    struct Waiter {
        ReadPromise promise;
        Deadline deadline;
        Deadline issued;
    };

    std::map<std::string, Waiter> unconfirmed_;
    std::multimap<Index, Waiter> confirmed_;
};

}  // namespace keel::server
