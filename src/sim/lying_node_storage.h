// LyingNodeStorage: a disk that acknowledges fsyncs it did not do. It wraps another
// NodeStorage and, for a seeded fraction of Sync() calls, returns OK without syncing the
// wrapped medium, so a crash loses writes the node already reported as durable (a volatile
// write cache that ignores flushes).
//
// Raft's safety rests on the durability of votes and acknowledged entries (Figure 2), so a
// cluster on lying disks must eventually break a checker; the simulator's teeth tests prove
// that it does. Never used outside those tests.
//
// Owned by the cluster harness, one per node; single-threaded.
//
// Invariant: every Sync() returns OK unless the wrapped medium's real sync fails.
#pragma once

#include <memory>

#include "base/rng.h"
#include "sim/node_storage.h"

namespace keel::sim {

class LyingNodeStorage final : public NodeStorage {
public:
    // Lies on each Sync() with probability lie_numerator / lie_denominator, drawn from `rng`.
    struct Options {
        uint64_t lie_numerator = 1;
        uint64_t lie_denominator = 2;
    };

    LyingNodeStorage(std::unique_ptr<NodeStorage> inner, base::Rng rng, Options options);

    [[nodiscard]] absl::Status Append(const std::vector<raft::Entry>& entries) override;
    [[nodiscard]] absl::Status SetHardState(const raft::HardState& hard_state) override;
    [[nodiscard]] absl::Status SaveSnapshot(const raft::Snapshot& snapshot) override;
    [[nodiscard]] absl::Status Sync() override;
    void Crash() override;
    [[nodiscard]] absl::StatusOr<Recovered> Load() override;

    // How many Sync() calls were acknowledged without reaching the medium.
    size_t lies_told() const { return lies_told_; }

private:
    std::unique_ptr<NodeStorage> inner_;
    base::Rng rng_;
    Options options_;
    size_t lies_told_ = 0;
};

}  // namespace keel::sim
