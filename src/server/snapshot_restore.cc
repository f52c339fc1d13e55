#include "server/snapshot_restore.h"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/status.h"
#include "kv/mvcc_store.h"
#include "server/backup_file.h"
#include "server/checkpoint_archive.h"
#include "server/data_dir.h"
#include "server/member_join.h"
#include "server/membership.h"
#include "storage/file_system.h"
#include "storage/posix_file_system.h"
#include "storage/wal.h"

namespace keel::server {
namespace {

// The term of the restored snapshot marker and hard state: the new cluster's first.
constexpr Term kFreshTerm{1};

// Prefixes a backup error with the file's path, so that keelctl prints one line that says
// which file and what is wrong with it.
absl::Status AboutFile(const std::string& path, const absl::Status& status) {
    return absl::Status(status.code(),
                        absl::StrCat("snapshot file ", path, ": ", status.message()));
}

absl::StatusOr<std::string> ReadVerifiedArchive(storage::FileSystem& fs, const std::string& path) {
    absl::StatusOr<std::string> bytes = storage::ReadWholeFile(fs, path);
    if (!bytes.ok()) {
        return AboutFile(path, bytes.status());
    }
    absl::StatusOr<std::string_view> archive = ArchiveOfBackup(*bytes);
    if (!archive.ok()) {
        return AboutFile(path, archive.status());
    }
    return std::string(*archive);
}

// A missing or empty directory is a valid target; anything else is refused (etcd refuses an
// existing one).
absl::Status CheckTarget(const std::string& data_dir) {
    std::error_code error;
    const std::filesystem::file_status status = std::filesystem::status(data_dir, error);
    if (!std::filesystem::exists(status)) {
        return absl::OkStatus();
    }
    if (!std::filesystem::is_directory(status)) {
        return absl::FailedPreconditionError(
            absl::StrCat("--data-dir ", data_dir, " exists and is not a directory"));
    }
    if (!std::filesystem::is_empty(data_dir, error) || error) {
        return absl::FailedPreconditionError(absl::StrCat(
            "--data-dir ", data_dir, " is not empty; restore needs a new, empty data directory"));
    }
    return absl::OkStatus();
}

// The store part of the restore: unpacks the archive into `store_dir`, records the new
// membership as the entry after the backup's applied index, and flushes. Returns that index.
absl::StatusOr<Index> RestoreStore(storage::FileSystem& fs,
                                   std::string_view archive,
                                   const std::string& store_dir,
                                   const RestorePlan& plan,
                                   RestoreResult& result) {
    KEEL_RETURN_IF_ERROR(UnpackCheckpoint(fs, archive, store_dir));
    KEEL_ASSIGN_OR_RETURN(std::unique_ptr<kv::MvccStore> store,
                          kv::MvccStore::Open(store_dir, kv::MvccStoreOptions{}));
    const Index index = store->applied_index() + 1;
    const kv::ApplyOutcome outcome = store->ApplyClusterRecord(
        kv::ApplyContext{.index = index, .aux = nullptr}, plan.membership.SerializeAsString());
    KEEL_ASSERT(outcome == kv::ApplyOutcome::kApplied);
    KEEL_ASSERT(store->applied_index() == index);
    KEEL_RETURN_IF_ERROR(store->Flush());
    result.revision = store->revision();
    return index;
}

// Writes the fresh Raft state into a new WAL in `wal_dir`, then reads it back and checks it.
absl::Status RestoreWal(storage::FileSystem& fs,
                        const std::string& wal_dir,
                        const FreshRaftState& fresh) {
    {
        KEEL_ASSIGN_OR_RETURN(storage::WalOpened opened,
                              storage::Wal::Open(fs, wal_dir, storage::WalOptions{}));
        KEEL_ASSERT(opened.wal->last_index().is_none());
        KEEL_RETURN_IF_ERROR(opened.wal->SaveSnapshot(fresh.marker));
        KEEL_RETURN_IF_ERROR(opened.wal->SaveHardState(fresh.hard_state));
        KEEL_RETURN_IF_ERROR(opened.wal->Sync());
    }
    KEEL_ASSIGN_OR_RETURN(storage::WalOpened reread,
                          storage::Wal::Open(fs, wal_dir, storage::WalOptions{}));
    if (reread.contents.snapshot != fresh.marker || reread.contents.hard_state != fresh.hard_state
        || !reread.contents.entries.empty()) {
        return absl::DataLossError(absl::StrCat(wal_dir, ": the WAL written does not read back"));
    }
    return absl::OkStatus();
}

// Builds the whole data directory in `dir` (created; must not exist).
absl::StatusOr<RestoreResult> BuildDataDir(storage::FileSystem& fs,
                                           std::string_view archive,
                                           const RestorePlan& plan,
                                           const std::string& dir) {
    RestoreResult result{.member_id = plan.self, .cluster_id = plan.cluster.cluster_id};
    KEEL_RETURN_IF_ERROR(fs.CreateDir(dir));
    KEEL_ASSIGN_OR_RETURN(
        result.index,
        RestoreStore(fs, archive, storage::JoinPath(dir, kStoreDirName), plan, result));
    KEEL_RETURN_IF_ERROR(RestoreWal(
        fs, storage::JoinPath(dir, kWalDirName), FreshRaftStateAt(plan.cluster, result.index)));
    KEEL_RETURN_IF_ERROR(storage::WriteFileAtomically(
        fs, storage::JoinPath(dir, kMemberFileName), plan.member_file));
    KEEL_RETURN_IF_ERROR(fs.SyncDir(dir));
    return result;
}

std::string WithoutTrailingSlashes(std::string path) {
    while (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    return path;
}

}  // namespace

absl::StatusOr<RestorePlan> PlanRestore(const RestoreOptions& options) {
    if (options.name.empty()) {
        return absl::InvalidArgumentError("--name is required");
    }
    if (options.data_dir.empty()) {
        return absl::InvalidArgumentError("--data-dir is required");
    }
    if (options.initial_cluster.empty()) {
        return absl::InvalidArgumentError("--initial-cluster is required");
    }
    RestorePlan plan;
    KEEL_ASSIGN_OR_RETURN(
        plan.cluster, ParseInitialCluster(options.initial_cluster, options.initial_cluster_token));
    const Member* self = plan.cluster.FindByName(options.name);
    if (self == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("--name=", options.name, " is not in --initial-cluster"));
    }
    if (!options.initial_advertise_peer_urls.empty()) {
        KEEL_ASSIGN_OR_RETURN(const std::vector<std::string> advertised,
                              AddressesFromUrls(options.initial_advertise_peer_urls));
        if (std::find(advertised.begin(), advertised.end(), self->peer_address)
            == advertised.end()) {
            return absl::InvalidArgumentError(absl::StrCat("--initial-cluster has ",
                                                           self->name,
                                                           "=",
                                                           self->peer_url,
                                                           " but --initial-advertise-peer-urls is ",
                                                           options.initial_advertise_peer_urls));
        }
    }
    plan.self = self->id;
    plan.membership = BootstrapMembership(plan.cluster);
    plan.member_file = MemberFileText(options.name, plan.self, plan.cluster);
    return plan;
}

FreshRaftState FreshRaftStateAt(const ClusterConfig& cluster, Index index) {
    KEEL_ASSERT(!index.is_none());
    FreshRaftState fresh{
        .marker = {.index = index, .term = kFreshTerm, .conf_state = cluster.InitialConfState()},
        .hard_state = {.term = kFreshTerm, .voted_for = NodeId(), .commit = index}};
    KEEL_ASSERT(!fresh.marker.conf_state.voters.empty());
    KEEL_ASSERT(fresh.hard_state.term >= fresh.marker.term);
    return fresh;
}

absl::StatusOr<std::string_view> ArchiveOfBackup(std::string_view backup) {
    KEEL_RETURN_IF_ERROR(VerifyBackup(backup));
    const std::string_view body = backup.substr(0, backup.size() - kBackupSha256Bytes);
    KEEL_ASSIGN_OR_RETURN(const size_t archive_bytes, CheckpointArchiveBytes(body));
    const std::string_view padding = body.substr(archive_bytes);
    if (padding.size() >= kBackupAlignBytes
        || std::any_of(padding.begin(), padding.end(), [](char c) { return c != '\0'; })) {
        return absl::DataLossError(
            absl::StrCat("backup: ", padding.size(), " bytes after the archive are not padding"));
    }
    return body.substr(0, archive_bytes);
}

absl::StatusOr<BackupStatus> ReadBackupStatus(const std::string& path,
                                              const std::string& scratch_parent) {
    static std::atomic<uint64_t> next_scratch{0};
    storage::PosixFileSystem fs;
    KEEL_ASSIGN_OR_RETURN(const std::string archive, ReadVerifiedArchive(fs, path));
    KEEL_ASSIGN_OR_RETURN(const CheckpointArchiveSummary summary, VerifyCheckpointArchive(archive));
    const std::string scratch = storage::JoinPath(
        scratch_parent,
        absl::StrCat("keel-snapshot-status-", getpid(), "-", next_scratch.fetch_add(1)));
    std::error_code ignored;
    std::filesystem::remove_all(scratch, ignored);
    absl::StatusOr<BackupStatus> status = [&]() -> absl::StatusOr<BackupStatus> {
        KEEL_RETURN_IF_ERROR(UnpackCheckpoint(fs, archive, scratch));
        KEEL_ASSIGN_OR_RETURN(
            std::unique_ptr<kv::MvccStore> store,
            kv::MvccStore::Open(
                scratch, kv::MvccStoreOptions{.shutdown = kv::ShutdownMode::kDropUnflushed}));
        KEEL_ASSIGN_OR_RETURN(const kv::HashKvResponse hash, store->HashKv(Revision()));
        KEEL_ASSIGN_OR_RETURN(const kv::RangeResponse keys,
                              store->Range(kv::RangeRequest{.key = std::string(1, '\0'),
                                                            .range_end = std::string(1, '\0'),
                                                            .count_only = true}));
        return BackupStatus{.hash = hash.hash,
                            .revision = store->revision(),
                            .compact_revision = store->compacted_revision(),
                            .total_keys = keys.count,
                            .total_size_bytes = summary.data_bytes,
                            .applied_index = store->applied_index()};
    }();
    std::filesystem::remove_all(scratch, ignored);
    return status;
}

absl::StatusOr<RestoreResult> RestoreBackup(const std::string& path,
                                            const RestoreOptions& options) {
    KEEL_ASSIGN_OR_RETURN(const RestorePlan plan, PlanRestore(options));
    const std::string data_dir = WithoutTrailingSlashes(options.data_dir);
    KEEL_RETURN_IF_ERROR(CheckTarget(data_dir));
    storage::PosixFileSystem fs;
    KEEL_ASSIGN_OR_RETURN(const std::string archive, ReadVerifiedArchive(fs, path));
    const std::string parent = storage::DirName(data_dir);
    KEEL_RETURN_IF_ERROR(fs.CreateDir(parent));
    // Built beside the target and renamed into place whole. A leftover of an interrupted
    // restore into the same directory is ours to remove.
    const std::string staging = data_dir + ".restoring";
    std::error_code ignored;
    std::filesystem::remove_all(staging, ignored);
    absl::StatusOr<RestoreResult> result = BuildDataDir(fs, archive, plan, staging);
    absl::Status placed = result.status();
    if (placed.ok()) {
        std::filesystem::remove(data_dir, ignored);  // empty (CheckTarget), or missing
        placed = fs.Rename(staging, data_dir);
    }
    if (placed.ok()) {
        placed = fs.SyncDir(parent);
    }
    if (!placed.ok()) {
        std::filesystem::remove_all(staging, ignored);
        return placed;
    }
    return result;
}

}  // namespace keel::server
