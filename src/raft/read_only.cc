#include "raft/read_only.h"

#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "raft/limits.h"

namespace keel::raft {

bool ReadOnly::Add(ReadRequest request) {
    if (waiting_.size() + round_requests_.size() >= kPendingReadsMax) {
        return false;
    }
    waiting_.push_back(std::move(request));
    return true;
}

std::optional<std::string> ReadOnly::MaybeStartRound(Index committed) {
    if (round_in_flight() || waiting_.empty()) {
        return std::nullopt;
    }
    // The context only has to be unique among this node's rounds: acknowledgements from
    // other terms are filtered out by term before they get here.
    round_context_ = absl::StrCat("read-", next_round_id_++);
    round_index_ = committed;
    round_requests_ = std::move(waiting_);
    waiting_.clear();
    acks_.clear();
    return round_context_;
}

bool ReadOnly::RecordAck(NodeId from, std::string_view context) {
    if (!round_in_flight() || context != round_context_) {
        return false;
    }
    acks_[from] = true;
    return true;
}

std::vector<ReadRequest> ReadOnly::FinishRound(Index& read_index) {
    KEEL_ASSERT(round_in_flight());
    read_index = round_index_;
    round_context_.clear();
    acks_.clear();
    return std::exchange(round_requests_, {});
}

std::vector<ReadRequest> ReadOnly::TakeAll() {
    std::vector<ReadRequest> all = std::exchange(round_requests_, {});
    for (ReadRequest& request : waiting_) {
        all.push_back(std::move(request));
    }
    waiting_.clear();
    round_context_.clear();
    acks_.clear();
    return all;
}

void ReadOnly::CheckInvariants() const {
    KEEL_ASSERT(waiting_.size() + round_requests_.size() <= kPendingReadsMax);
    if (!round_in_flight()) {
        KEEL_ASSERT(round_requests_.empty());
        KEEL_ASSERT(acks_.empty());
    }
}

}  // namespace keel::raft
