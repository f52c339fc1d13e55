// Restoring a client backup (what Maintenance.Snapshot streams and `etcdctl snapshot save`
// stores: backup_file.h) into the data directory of one member of a NEW cluster, and reading
// what a backup holds. `keelctl snapshot restore|status` call these (docs/snapshots.md).
//
// As etcd's restore: the keyspace with its revisions, the compaction point, the leases and the
// client session table survive. The cluster is new: its id and the member ids come from the new
// --initial-cluster (and --initial-cluster-token) exactly as keeld derives them for
// --initial-cluster-state=new (cluster_config.h), the stored membership record is replaced by
// that cluster's bootstrap record, and the Raft state is fresh (term 1, no log).
//
// The data directory written is one keeld opens as a member restarted after a log compaction
// (docs/snapshots.md, "Restart from a compacted WAL"):
//   kv/      the backup's store, plus one applied entry at index A+1 (A: the backup's applied
//            index) that records the new membership (kv's cluster record);
//   wal/     a snapshot marker at (A+1, term 1) whose configuration is every new member as a
//            voter, and the hard state (term 1, no vote, commit A+1); no entries;
//   member   the member file (member_join.h), so keeld refuses other flags on that directory.
// Every member restored from the same backup with the same flags gets byte-identical store
// contents and the same marker, so their logs agree from the new leader's first entry on.
// Indexes continue above A, so session ids (entry indexes, docs/sessions.md) stay unique.
//
// Threading: free functions; the pure ones run anywhere, the others do file I/O on the calling
// thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "base/ids.h"
#include "keel/v1/membership.pb.h"
#include "raft/types.h"
#include "server/cluster_config.h"

namespace keel::server {

// etcdctl snapshot restore's flags.
struct RestoreOptions {
    std::string name;
    std::string data_dir;
    std::string initial_cluster;
    std::string initial_cluster_token;
    // This member's peer URL; must be its URL in initial_cluster. Empty: not checked.
    std::string initial_advertise_peer_urls;
};

// Who the restored member is in the new cluster. Pure.
struct RestorePlan {
    ClusterConfig cluster;
    NodeId self;
    // The record that replaces the backup's: BootstrapMembership(cluster).
    keel::v1::MembershipRecord membership;
    // The member file's contents.
    std::string member_file;
};

// Validates the flags and derives the new identities. Errors: InvalidArgument naming the flag
// (an empty --name or --data-dir, a bad --initial-cluster, --name not in it, an advertised
// peer URL other than the one --initial-cluster gives the member).
absl::StatusOr<RestorePlan> PlanRestore(const RestoreOptions& options);

// The fresh Raft state of every restored member when the store has applied `index`.
// Precondition: index > 0. Pure.
struct FreshRaftState {
    raft::SnapshotMeta marker;
    raft::HardState hard_state;
};

FreshRaftState FreshRaftStateAt(const ClusterConfig& cluster, Index index);

// The checkpoint archive inside a backup file's bytes, with everything checked: the size and
// SHA-256 trailer (backup_file.h), the archive's framing and every file's CRC32C
// (checkpoint_archive.h), and that only zero padding lies between the archive and the trailer.
// Errors: DataLoss saying what is wrong. Pure; the view points into `backup`.
absl::StatusOr<std::string_view> ArchiveOfBackup(std::string_view backup);

// What `snapshot status` prints.
struct BackupStatus {
    // HashKV of the store at `revision`: equal to `etcdctl endpoint hashkv` of a member of the
    // saved (or restored) cluster at that revision.
    uint32_t hash = 0;
    Revision revision;
    Revision compact_revision;
    // Live keys at `revision` (etcd counts every bbolt key, old versions included).
    int64_t total_keys = 0;
    // The bytes of the store's files.
    uint64_t total_size_bytes = 0;
    Index applied_index;
};

// Verifies the backup at `path`, opens a scratch copy of its store (under `scratch_parent`,
// removed afterwards) and reads its status. Errors: NotFound or the file system's for the file,
// DataLoss for a corrupt backup, Internal for a store that does not open.
absl::StatusOr<BackupStatus> ReadBackupStatus(const std::string& path,
                                              const std::string& scratch_parent);

struct RestoreResult {
    NodeId member_id;
    uint64_t cluster_id = 0;
    Revision revision;
    // The index the new Raft log starts after (the snapshot marker's).
    Index index;
};

// Restores the backup at `path` into options.data_dir. Everything is checked first (the flags,
// that the data directory is missing or empty, the whole backup); the directory is then built
// beside it ("<data_dir>.restoring") and renamed into place only when complete, so a failure
// leaves no data directory behind. Errors: InvalidArgument (flags), FailedPrecondition (a
// non-empty data directory), DataLoss (a corrupt backup), the file system's and RocksDB's.
absl::StatusOr<RestoreResult> RestoreBackup(const std::string& path, const RestoreOptions& options);

}  // namespace keel::server
