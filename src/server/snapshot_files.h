// Where keeld keeps snapshot checkpoints on disk, and the steps of receiving and installing one
// that must survive a crash at any point.
//
// data_dir/snap/ holds:
//   sending-<member>-<n>/     a checkpoint being packed for a follower (removed after packing)
//   receiving-<n>/            an archive being unpacked (removed on open)
//   received-<index:016x>-<n>/  a complete, verified checkpoint for the snapshot at <index>
//
// Installing a received snapshot at index C (the crash-safe order, docs/server.md):
//   1. the archive is verified and unpacked into receiving-<n>, every file and the directory
//      synced, the checkpoint opened once to check that it has applied at least C, and then
//      renamed to received-C-<n> (ReceiveCheckpoint, on a transport thread);
//   2. the WAL's snapshot marker C is written and synced;
//   3. the store is swapped for the checkpoint (kv::MvccStore::OpenFromCheckpoint moves the
//      directory; a rename, so never a mix).
// A crash before 2 keeps the old state (the received directory is removed on open). A crash
// after 2 finds a marker above the store's applied index; OpenStore completes step 3 from the
// received directory, which still exists until step 3 has moved it.
#pragma once

#include <memory>
#include <string>

#include <absl/status/statusor.h>

#include "kv/mvcc_store.h"
#include "raft/types.h"
#include "storage/file_system.h"

namespace keel::server {

// The data of every snapshot this member compacts its own log to: the state is the store
// itself (RocksDB already durable up to its applied index), so there are no bytes to keep.
inline constexpr char kLocalSnapshotData[] = "keel-store";

std::string SnapshotDirPath(const std::string& data_dir);

// Verifies and unpacks the archive of `snapshot` into a received-<index>-<n> directory and
// returns its path. Errors: DataLoss for a bad archive, FailedPrecondition for a checkpoint
// older than the snapshot, the file system's and RocksDB's otherwise (nothing is left behind).
absl::StatusOr<std::string> ReceiveCheckpoint(storage::FileSystem& fs,
                                              const std::string& data_dir,
                                              const raft::Snapshot& snapshot);

// Opens the store in `store_dir`. If the WAL's snapshot `marker` is above its applied index,
// an install was interrupted after step 2: completes it from the received checkpoint.
// Then removes every leftover in the snapshot directory. Errors: DataLoss if the store is
// behind the marker and no received checkpoint can bring it up to date; the store's errors.
absl::StatusOr<std::unique_ptr<kv::MvccStore>> OpenStore(
    storage::FileSystem& fs,
    const std::string& data_dir,
    const std::string& store_dir,
    const std::optional<raft::SnapshotMeta>& marker,
    const kv::MvccStoreOptions& store_options = {});

// Removes received checkpoints older than `index` (superseded; the loop thread calls this
// after an install).
void RemoveReceivedBelow(const std::string& data_dir, Index index);

}  // namespace keel::server
