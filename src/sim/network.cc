#include "sim/network.h"

#include <utility>

#include "base/assert.h"

namespace keel::sim {

namespace {
constexpr uint32_t kPerMille = 1000;
}  // namespace

Network::Network(NetworkOptions options, base::Rng rng) : rng_(rng) {
    SetOptions(options);
}

void Network::SetOptions(NetworkOptions options) {
    KEEL_ASSERT(options.drop_per_mille <= kPerMille);
    KEEL_ASSERT(options.duplicate_per_mille <= kPerMille);
    KEEL_ASSERT(options.delay_min_us <= options.delay_max_us);
    options_ = options;
}

std::vector<uint64_t> Network::Route(NodeId from, NodeId to) {
    ++stats_.sent;
    std::vector<uint64_t> delays;
    if (!LinkUp(from, to) || rng_.Chance(options_.drop_per_mille, kPerMille)) {
        ++stats_.dropped;
        return delays;
    }
    delays.push_back(Delay());
    if (rng_.Chance(options_.duplicate_per_mille, kPerMille)) {
        ++stats_.duplicated;
        delays.push_back(Delay());
    }
    KEEL_ASSERT(delays.size() <= kCopiesMax);
    return delays;
}

bool Network::CanDeliver(NodeId from, NodeId to) const {
    return IsNodeUp(to) && LinkUp(from, to);
}

void Network::SetNodeUp(NodeId node, bool up) {
    if (up) {
        down_.erase(node);
    } else {
        down_.insert(node);
    }
}

bool Network::LinkUp(NodeId from, NodeId to) const {
    return !partition_.has_value() || !partition_->Blocks(from, to);
}

uint64_t Network::Delay() {
    return rng_.Range(options_.delay_min_us, options_.delay_max_us);
}

}  // namespace keel::sim
