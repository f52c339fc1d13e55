// WalNodeStorage: a simulated node's stable storage made of the real thing: src/storage's Wal
// and SnapshotStore on the node's own SimFileSystem (its simulated disk).
//
// Where MemoryNodeStorage is the model, this runs the production code paths (record framing,
// checksums, segment rotation and release, torn-tail recovery) under the simulator's crashes
// and disk faults. Crash() kills the "process" (drops the Wal and its unsynced buffer) and
// power-cycles the disk with the configured CrashMode; Load() is recovery.
//
// Writes map onto the WAL as follows:
//   Append       -> Wal::Append (entries at or below the snapshot are skipped there);
//   SetHardState -> a hard state record at once, with the commit index capped at the log's
//                   last index, and the full one again at Sync() if it differs. So term and
//                   vote keep their place in the write order, and no prefix of the records
//                   ever holds a commit index beyond its log (which recovery would rightly
//                   call DataLoss). A torn crash may therefore recover a commit index lower
//                   than the last one set, never a higher one;
//   SaveSnapshot -> the snapshot file is written durably first (SnapshotStore), then the
//                   WAL's marker; after the marker is synced, covered segments and older
//                   snapshot files are removed.
//
// Ownership and threading: the simulator's cluster harness owns one per node and drives it
// from its single thread. The SimFileSystem is owned here, so that crashing one node's disk
// never touches another's; file_system() exposes it for fault injection.
//
// Invariant: wal_ and snapshots_ are both open or both closed (closed between Crash() and
//            Load()).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sim/node_storage.h"
#include "sim/sim_file_system.h"
#include "storage/snapshot_store.h"
#include "storage/wal.h"

namespace keel::sim {

struct WalNodeStorageOptions {
    uint64_t disk_seed = 1;
    raft::ConfState bootstrap;  // the configuration Load() reports without a snapshot
    // The smallest segments, so that simulations (a few hundred small entries) rotate and
    // release them often, and sealed segments exist for corruption to hit.
    storage::WalOptions wal{.segment_bytes = storage::kSegmentBytesMin};
    storage::SnapshotStoreOptions snapshots{.chunk_bytes = 64 * 1024};
    CrashMode crash_mode = CrashMode::kTear;
};

class WalNodeStorage final : public NodeStorage {
public:
    // Formats a fresh simulated disk and opens the storage on it.
    static absl::StatusOr<std::unique_ptr<WalNodeStorage>> Create(WalNodeStorageOptions options);

    [[nodiscard]] absl::Status Append(const std::vector<raft::Entry>& entries) override;
    [[nodiscard]] absl::Status SetHardState(const raft::HardState& hard_state) override;
    [[nodiscard]] absl::Status SaveSnapshot(const raft::Snapshot& snapshot) override;
    [[nodiscard]] absl::Status Sync() override;
    void Crash() override;
    [[nodiscard]] absl::StatusOr<Recovered> Load() override;
    // Flips one bit of a sealed segment (one that is not the last): every byte of a sealed
    // segment is covered by a checksum or by the rule that its tail is all zeros, so recovery
    // must report DataLoss (docs/storage-format.md, rule 3). The last segment is left alone:
    // damage to its final record is indistinguishable from a torn write and is truncated.
    std::optional<std::string> CorruptDurableData(base::Rng& rng) override;

    SimFileSystem& file_system() { return fs_; }

private:
    explicit WalNodeStorage(WalNodeStorageOptions options);

    absl::StatusOr<storage::WalContents> OpenAll();
    absl::Status CheckOpen() const;

    const WalNodeStorageOptions options_;
    SimFileSystem fs_;
    std::unique_ptr<storage::Wal> wal_;
    std::unique_ptr<storage::SnapshotStore> snapshots_;
    // The hard state last set, if its record still has to be written in full at Sync().
    std::optional<raft::HardState> unwritten_hard_state_;
    // The snapshot index up to which segments and snapshot files were last released.
    Index released_index_;
};

}  // namespace keel::sim
