#include "transport/duplicating_delivery.h"

#include <algorithm>
#include <fstream>

#include "base/assert.h"

namespace keel::transport {

DuplicatingDelivery::DuplicatingDelivery(std::string control_file, uint64_t seed, Deliver deliver)
    : control_file_(std::move(control_file)), deliver_(std::move(deliver)), rng_(seed) {
    KEEL_ASSERT(deliver_ != nullptr);
}

uint32_t DuplicatingDelivery::PpmLocked() {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_read_) {
        return ppm_;
    }
    next_read_ = now + kControlPoll;
    std::ifstream in(control_file_);
    uint64_t ppm = 0;
    if (!(in >> ppm)) {
        ppm = 0;
    }
    ppm_ = static_cast<uint32_t>(std::min<uint64_t>(ppm, kPpmMax));
    return ppm_;
}

void DuplicatingDelivery::operator()(std::vector<raft::Message> batch) {
    const bool has_snapshot = std::any_of(
        batch.begin(), batch.end(), [](const raft::Message& m) { return m.snapshot.has_value(); });
    std::optional<std::vector<raft::Message>> earlier;
    {
        std::lock_guard lock(mu_);
        earlier.swap(held_);
        const uint32_t ppm = PpmLocked();
        if (!has_snapshot && ppm > 0 && rng_.Chance(ppm, kPpmMax)) {
            held_ = batch;
            ++duplicated_;
        }
    }
    deliver_(std::move(batch));
    if (earlier.has_value()) {
        deliver_(*std::move(earlier));
    }
}

uint64_t DuplicatingDelivery::duplicated() const {
    std::lock_guard lock(mu_);
    return duplicated_;
}

}  // namespace keel::transport
