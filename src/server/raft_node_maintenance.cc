// RaftNode's maintenance reads and operations for etcd's Maintenance service.
#include <atomic>
#include <filesystem>

#include <absl/strings/str_cat.h>

#include "server/checkpoint_archive.h"
#include "server/raft_node.h"
#include "server/snapshot_files.h"

namespace keel::server {

absl::StatusOr<kv::HashKvResponse> RaftNode::HashKv(Revision revision) const {
    std::lock_guard lock(store_mu_);
    return store_->HashKv(revision);
}

kv::StoreHash RaftNode::HashAll() const {
    std::lock_guard lock(store_mu_);
    return store_->HashAll();
}

absl::Status RaftNode::Defragment() {
    std::lock_guard lock(store_mu_);
    return store_->Defragment();
}

absl::StatusOr<std::string> RaftNode::BackupArchive() const {
    static std::atomic<uint64_t> next_backup{0};
    const std::string dir = storage::JoinPath(SnapshotDirPath(options_.data_dir),
                                              absl::StrCat("backup-", next_backup.fetch_add(1)));
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    absl::Status created;
    {
        std::lock_guard lock(store_mu_);
        created = store_->CreateCheckpoint(dir);
    }
    if (!created.ok()) {
        std::filesystem::remove_all(dir, ignored);
        return created;
    }
    absl::StatusOr<std::string> archive =
        PackCheckpoint(store_fs_, dir, options_.snapshot_bytes_max);
    std::filesystem::remove_all(dir, ignored);
    return archive;
}

}  // namespace keel::server
