// MemoryNodeStorage: the reference model of a node's stable storage, kept in memory.
//
// Every write is applied at once to a volatile image (so that errors surface at the call) and
// queued; Sync() replays the queue onto the durable image; Crash() drops the queue and resets
// the volatile image to the durable one. Exactly the writes after the last Sync() are lost,
// which is the behaviour an fsync-honest disk promises and nothing more.
//
// Owned by the simulator's cluster harness, one per node; single-threaded.
//
// Invariant: durable_ equals the volatile image as it was after the last Sync() (or at
//            construction), and applying pending_ to it in order gives volatile_.
// Invariant: in both images, log_ holds contiguous indexes starting at snapshot index + 1.
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "sim/node_storage.h"

namespace keel::sim {

class MemoryNodeStorage final : public NodeStorage {
public:
    // `bootstrap` is the configuration Load() reports while there is no snapshot.
    explicit MemoryNodeStorage(raft::ConfState bootstrap);

    [[nodiscard]] absl::Status Append(const std::vector<raft::Entry>& entries) override;
    [[nodiscard]] absl::Status SetHardState(const raft::HardState& hard_state) override;
    [[nodiscard]] absl::Status SaveSnapshot(const raft::Snapshot& snapshot) override;
    [[nodiscard]] absl::Status Sync() override;
    void Crash() override;
    [[nodiscard]] absl::StatusOr<Recovered> Load() override;

    // The number of writes that a crash now would lose.
    size_t pending_write_count() const { return pending_.size(); }

private:
    struct Image {
        raft::HardState hard_state;
        std::optional<raft::Snapshot> snapshot;
        std::vector<raft::Entry> log;
    };

    using Write = std::variant<std::vector<raft::Entry>, raft::HardState, raft::Snapshot>;

    // Applies one write to `image`, or explains why it cannot be applied.
    static absl::Status ApplyWrite(const Write& write, Image* image);
    static absl::Status AppendTo(const std::vector<raft::Entry>& entries, Image* image);
    static void SnapshotTo(const raft::Snapshot& snapshot, Image* image);
    absl::Status Record(Write write);

    raft::ConfState bootstrap_;
    Image volatile_;
    Image durable_;
    std::vector<Write> pending_;
};

}  // namespace keel::sim
