#include "server/pending_requests.h"

#include "base/assert.h"
#include "server/errors.h"

namespace keel::server {
namespace {

// Answers and erases every waiter in `map` whose deadline is before `now`.
template <typename Map, typename Status>
void ExpireIn(Map& map, Deadline now, const Status& status) {
    for (auto it = map.begin(); it != map.end();) {
        if (it->second.deadline < now) {
            it->second.promise.set_value(status);
            it = map.erase(it);
        } else {
            ++it;
        }
    }
}

template <typename Map>
void FailIn(Map& map, const absl::Status& status) {
    for (auto& [key, waiter] : map) {
        waiter.promise.set_value(status);
    }
    map.clear();
}

}  // namespace

void ProposalWaiters::Add(Index index, Term term, ProposalPromise promise, Deadline deadline) {
    KEEL_ASSERT(!index.is_none());
    const auto it = waiters_.find(index);
    if (it != waiters_.end()) {
        // The older proposal's entry was replaced before it was applied (a new leader's log
        // overwrote it, and this member was elected again and reused the index).
        KEEL_ASSERT(it->second.term < term);
        it->second.promise.set_value(LeaderChangedError());
        waiters_.erase(it);
    }
    waiters_.emplace(index,
                     Waiter{.term = term, .promise = std::move(promise), .deadline = deadline});
}

void ProposalWaiters::OnApplied(Index index,
                                Term term,
                                const absl::StatusOr<CommandResponse>& response) {
    const auto it = waiters_.find(index);
    if (it == waiters_.end()) {
        return;
    }
    if (it->second.term == term) {
        it->second.promise.set_value(response);
    } else {
        it->second.promise.set_value(LeaderChangedError());
    }
    waiters_.erase(it);
}

void ProposalWaiters::Expire(Deadline now) {
    ExpireIn(waiters_, now, absl::StatusOr<CommandResponse>(RequestTimeoutError()));
}

void ProposalWaiters::FailAll(const absl::Status& status) {
    KEEL_ASSERT(!status.ok());
    FailIn(waiters_, status);
}

void ReadWaiters::Add(std::string context,
                      ReadPromise promise,
                      Deadline deadline,
                      Deadline issued) {
    auto [it, inserted] = unconfirmed_.try_emplace(
        std::move(context),
        Waiter{.promise = std::move(promise), .deadline = deadline, .issued = issued});
    KEEL_ASSERT_MSG(inserted, "read context reused");
}

std::vector<ReadWaiters::Unconfirmed> ReadWaiters::TakeUnconfirmed(Deadline issued_before) {
    std::vector<Unconfirmed> taken;
    for (auto it = unconfirmed_.begin(); it != unconfirmed_.end();) {
        if (it->second.issued < issued_before) {
            taken.push_back(Unconfirmed{.promise = std::move(it->second.promise),
                                        .deadline = it->second.deadline});
            it = unconfirmed_.erase(it);
        } else {
            ++it;
        }
    }
    return taken;
}

void ReadWaiters::Confirm(const raft::ReadState& state) {
    auto node = unconfirmed_.extract(state.context);
    if (node.empty()) {
        return;
    }
    confirmed_.emplace(state.index, std::move(node.mapped()));
}

void ReadWaiters::Drop(const std::string& context) {
    auto node = unconfirmed_.extract(context);
    if (!node.empty()) {
        node.mapped().promise.set_value(NoLeaderError());
    }
}

void ReadWaiters::OnApplied(Index applied) {
    auto it = confirmed_.begin();
    while (it != confirmed_.end() && it->first <= applied) {
        it->second.promise.set_value(absl::OkStatus());
        it = confirmed_.erase(it);
    }
}

void ReadWaiters::Expire(Deadline now) {
    ExpireIn(unconfirmed_, now, RequestTimeoutError());
    ExpireIn(confirmed_, now, RequestTimeoutError());
}

void ReadWaiters::FailAll(const absl::Status& status) {
    KEEL_ASSERT(!status.ok());
    FailIn(unconfirmed_, status);
    FailIn(confirmed_, status);
}

}  // namespace keel::server
