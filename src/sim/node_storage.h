// NodeStorage: the stable storage of one simulated Raft node, as the simulator's cluster
// harness sees it. The harness writes through it while it handles a Ready (raw_node.h, step 1)
// and reads it back only when the node restarts after a crash.
//
// Durability model: Append(), SetHardState() and SaveSnapshot() take effect in order but are
// volatile until Sync() returns OK; Crash() models the process dying and discards whatever
// the medium would lose (for an honest medium: exactly the writes after the last Sync()).
// Load() then returns the durable state as raft::Restored plus the snapshot payload.
//
// Implementations: MemoryNodeStorage (memory_node_storage.h, the reference model),
// LyingNodeStorage (lying_node_storage.h, acknowledges syncs it did not do, for teeth tests),
// and a WAL on the simulated disk (src/storage's engineer, sim_file_system.h).
//
// Threading: owned and used by the simulator's single thread.
//
// Invariant: the durable log is contiguous and continues the durable snapshot (its first index
//            is snapshot.index + 1, or 1 without a snapshot).
// Invariant: Load() after Crash() returns a state that some prefix of the write sequence,
//            ending at or after the last successful Sync(), produced (honest media only).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "base/rng.h"
#include "raft/raw_node.h"
#include "raft/types.h"

namespace keel::sim {

// Everything a restarting node recovers: what RawNode::Create() needs, plus the state machine
// image stored with the snapshot (empty without a snapshot).
struct Recovered {
    raft::Restored restored;
    std::string snapshot_data;
};

class NodeStorage {
public:
    virtual ~NodeStorage() = default;

    // Appends `entries` (contiguous, non-empty), first discarding every stored entry at or
    // after entries[0].index (the conflicting suffix, raw_node.h step 1). Entries at or below
    // the snapshot index are ignored. Returns FailedPrecondition if entries[0].index would
    // leave a gap after the last stored entry, or InvalidArgument if `entries` is not
    // contiguous.
    [[nodiscard]] virtual absl::Status Append(const std::vector<raft::Entry>& entries) = 0;

    // Replaces the stored hard state (term, voted_for, commit).
    [[nodiscard]] virtual absl::Status SetHardState(const raft::HardState& hard_state) = 0;

    // Stores `snapshot` if it is newer than the stored one (an older or equal one is ignored).
    // Log entries up to snapshot.meta.index are discarded; the entries after it are kept only
    // if the stored log has an entry at meta.index with meta.term, otherwise the whole log is
    // discarded (Raft paper, Figure 13, InstallSnapshot steps 6 and 7).
    [[nodiscard]] virtual absl::Status SaveSnapshot(const raft::Snapshot& snapshot) = 0;

    // Makes every earlier write durable (fsync). A medium that fails to sync returns an error;
    // the node must then crash (never retry an fsync, STYLE.md).
    [[nodiscard]] virtual absl::Status Sync() = 0;

    // The process crashed: volatile state is gone. Afterwards only Load() is meaningful until
    // the node restarts and writes again.
    virtual void Crash() = 0;

    // Reads back the durable state. Without a snapshot, restored.conf_state is the bootstrap
    // configuration the storage was created with; with one, the snapshot's. restored.applied
    // is the snapshot index: the simulator's state machine is volatile and is rebuilt from the
    // snapshot payload plus the committed log. Returns DataLoss if the medium holds a state it
    // cannot decode.
    [[nodiscard]] virtual absl::StatusOr<Recovered> Load() = 0;

    // Media corruption while the node is down (Precondition: between Crash() and Load()):
    // damages durable data where the medium's format promises to detect it, so that Load()
    // must fail with DataLoss rather than return altered state. Returns what was damaged, or
    // nullopt if there is nothing such to damage (a medium without checksums, or no durable
    // data the format covers yet).
    virtual std::optional<std::string> CorruptDurableData(base::Rng& rng) {
        (void)rng;
        return std::nullopt;
    }
};

}  // namespace keel::sim
