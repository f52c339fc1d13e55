// Network: the simulated links between nodes. It decides each message's fate when it is sent
// (dropped, delivered once, or duplicated, each copy after its own random delay, which also
// reorders) and whether it may still be delivered when its time comes (the link may have
// been partitioned, or the receiver may have crashed, since).
//
// The Network holds no messages: the simulator schedules each copy as an event that carries
// the message by value, so a receiver can never observe the sender's later changes.
//
// Owned by the simulator; single-threaded.
//
// Invariant: CanDeliver(from, to) is false whenever `to` is down: a crashed node receives
//            nothing, not even messages sent before it crashed.
// Invariant: Route() returns at most kCopiesMax delays, each in [delay_min_us, delay_max_us].
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <absl/container/flat_hash_set.h>

#include "base/ids.h"
#include "base/rng.h"
#include "sim/partition.h"

namespace keel::sim {

struct NetworkOptions {
    uint32_t drop_per_mille = 0;       // chance that a message is lost
    uint32_t duplicate_per_mille = 0;  // chance that a delivered message arrives twice
    uint64_t delay_min_us = 1000;
    uint64_t delay_max_us = 10000;
};

struct NetworkStats {
    uint64_t sent = 0;
    uint64_t dropped = 0;  // lost at send time (random loss or a partitioned link)
    uint64_t duplicated = 0;
    uint64_t undeliverable = 0;  // dropped at delivery time (partitioned since, or receiver down)
};

class Network {
public:
    // The most copies of one message the network delivers (original plus duplicates).
    static constexpr size_t kCopiesMax = 2;

    Network(NetworkOptions options, base::Rng rng);

    // Replaces the loss, duplication and delay parameters (e.g. calm for the liveness phase).
    void SetOptions(NetworkOptions options);

    const NetworkOptions& options() const { return options_; }

    // Decides the fate of a message sent now from `from` to `to`: the delays after which its
    // copies arrive, in microseconds; empty if it is lost.
    std::vector<uint64_t> Route(NodeId from, NodeId to);

    // Whether a copy due now may be handed to `to`.
    bool CanDeliver(NodeId from, NodeId to) const;

    void CountUndeliverable() { ++stats_.undeliverable; }

    void SetPartition(Partition partition) { partition_ = std::move(partition); }

    void Heal() { partition_.reset(); }

    const std::optional<Partition>& partition() const { return partition_; }

    void SetNodeUp(NodeId node, bool up);

    bool IsNodeUp(NodeId node) const { return !down_.contains(node); }

    const NetworkStats& stats() const { return stats_; }

private:
    bool LinkUp(NodeId from, NodeId to) const;
    uint64_t Delay();

    NetworkOptions options_;
    base::Rng rng_;
    std::optional<Partition> partition_;
    absl::flat_hash_set<NodeId> down_;  // looked up only, never iterated
    NetworkStats stats_;
};

}  // namespace keel::sim
