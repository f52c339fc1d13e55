#include "server/snapshot_files.h"

#include <atomic>
#include <filesystem>
#include <vector>

#include <absl/strings/match.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <spdlog/spdlog.h>

#include "base/status.h"
#include "server/checkpoint_archive.h"

namespace keel::server {
namespace {

constexpr char kSnapDirName[] = "snap";
constexpr char kReceivedPrefix[] = "received-";

// Distinguishes directories made by one process (a restart may reuse a number: open removes
// every leftover first).
std::atomic<uint64_t> next_dir_number{0};

// The index a received-<index:016x>-<n> directory is for, or none.
Index ReceivedIndex(const std::string& name) {
    if (!absl::StartsWith(name, kReceivedPrefix) || name.size() < sizeof(kReceivedPrefix) + 16) {
        return Index();
    }
    uint64_t index = 0;
    const std::string hex = name.substr(sizeof(kReceivedPrefix) - 1, 16);
    if (!absl::SimpleHexAtoi(hex, &index)) {
        return Index();
    }
    return Index(index);
}

std::vector<std::string> SubdirNames(const std::string& dir) {
    std::vector<std::string> names;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        if (entry.is_directory(error)) {
            names.push_back(entry.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

void RemoveLeftovers(const std::string& snap_dir) {
    for (const std::string& name : SubdirNames(snap_dir)) {
        std::error_code error;
        std::filesystem::remove_all(storage::JoinPath(snap_dir, name), error);
        if (error) {
            spdlog::warn("cannot remove {}/{}: {}", snap_dir, name, error.message());
        }
    }
}

}  // namespace

std::string SnapshotDirPath(const std::string& data_dir) {
    return storage::JoinPath(data_dir, kSnapDirName);
}

absl::StatusOr<std::string> ReceiveCheckpoint(storage::FileSystem& fs,
                                              const std::string& data_dir,
                                              const raft::Snapshot& snapshot) {
    const std::string snap_dir = SnapshotDirPath(data_dir);
    const uint64_t number = next_dir_number.fetch_add(1);
    const std::string temp = storage::JoinPath(snap_dir, absl::StrCat("receiving-", number));
    std::error_code ignored;
    std::filesystem::remove_all(temp, ignored);
    absl::Status status = UnpackCheckpoint(fs, snapshot.data, temp);
    if (status.ok()) {
        // The checkpoint must cover the snapshot: the entries up to its index are gone from
        // the leader's log, so a store behind it could never catch up.
        absl::StatusOr<std::unique_ptr<kv::MvccStore>> opened = kv::MvccStore::Open(temp, {});
        if (!opened.ok()) {
            status = opened.status();
        } else if ((*opened)->applied_index() < snapshot.meta.index) {
            status = absl::FailedPreconditionError(
                absl::StrFormat("the checkpoint has applied %d, below the snapshot's index %d",
                                (*opened)->applied_index().value(),
                                snapshot.meta.index.value()));
        }
    }
    const std::string final_path = storage::JoinPath(
        snap_dir,
        absl::StrFormat("%s%016x-%d", kReceivedPrefix, snapshot.meta.index.value(), number));
    if (status.ok()) {
        status = fs.Rename(temp, final_path);
    }
    if (status.ok()) {
        status = fs.SyncDir(snap_dir);
    }
    if (!status.ok()) {
        std::filesystem::remove_all(temp, ignored);
        std::filesystem::remove_all(final_path, ignored);
        return status;
    }
    return final_path;
}

absl::StatusOr<std::unique_ptr<kv::MvccStore>> OpenStore(
    storage::FileSystem& fs,
    const std::string& data_dir,
    const std::string& store_dir,
    const std::optional<raft::SnapshotMeta>& marker,
    const kv::MvccStoreOptions& store_options) {
    const std::string snap_dir = SnapshotDirPath(data_dir);
    KEEL_RETURN_IF_ERROR(fs.CreateDir(snap_dir));
    KEEL_ASSIGN_OR_RETURN(std::unique_ptr<kv::MvccStore> store,
                          kv::MvccStore::Open(store_dir, store_options));
    if (marker.has_value() && store->applied_index() < marker->index) {
        // Step 3 of an install did not happen: finish it from the received checkpoint.
        std::string found;
        for (const std::string& name : SubdirNames(snap_dir)) {
            if (ReceivedIndex(name) == marker->index) {
                found = storage::JoinPath(snap_dir, name);
            }
        }
        if (found.empty()) {
            return absl::DataLossError(absl::StrFormat(
                "the WAL's snapshot marker is at index %d but the store has applied only %d "
                "and no received checkpoint for that snapshot is in %s; this member's data "
                "must be restored from a peer",
                marker->index.value(),
                store->applied_index().value(),
                snap_dir));
        }
        spdlog::warn("completing the interrupted install of snapshot {} from {}",
                     marker->index.value(),
                     found);
        store.reset();
        KEEL_ASSIGN_OR_RETURN(store,
                              kv::MvccStore::OpenFromCheckpoint(found, store_dir, store_options));
        KEEL_RETURN_IF_ERROR(fs.SyncDir(storage::DirName(store_dir)));
    }
    RemoveLeftovers(snap_dir);
    return store;
}

void RemoveReceivedBelow(const std::string& data_dir, Index index) {
    const std::string snap_dir = SnapshotDirPath(data_dir);
    for (const std::string& name : SubdirNames(snap_dir)) {
        const Index received = ReceivedIndex(name);
        if (!received.is_none() && received < index) {
            std::error_code ignored;
            std::filesystem::remove_all(storage::JoinPath(snap_dir, name), ignored);
        }
    }
}

}  // namespace keel::server
