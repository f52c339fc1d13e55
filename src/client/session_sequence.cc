#include "client/session_sequence.h"

#include "base/assert.h"

namespace keel::client {

SessionSequence::SessionSequence(uint64_t id) : id_(id) {
    KEEL_ASSERT(id != 0);
}

uint64_t SessionSequence::Begin() {
    std::lock_guard lock(mu_);
    const uint64_t seq = next_seq_++;
    outstanding_.insert(seq);
    return seq;
}

void SessionSequence::End(uint64_t seq) {
    std::lock_guard lock(mu_);
    const size_t erased = outstanding_.erase(seq);
    KEEL_ASSERT_MSG(erased == 1, "seq %d is not outstanding", seq);
}

uint64_t SessionSequence::ack() const {
    std::lock_guard lock(mu_);
    const uint64_t ack = outstanding_.empty() ? next_seq_ : *outstanding_.begin();
    KEEL_ASSERT(ack >= 1);
    KEEL_ASSERT(ack <= next_seq_);
    return ack;
}

void SessionSequence::MarkExpired() {
    std::lock_guard lock(mu_);
    expired_ = true;
}

bool SessionSequence::expired() const {
    std::lock_guard lock(mu_);
    return expired_;
}

}  // namespace keel::client
