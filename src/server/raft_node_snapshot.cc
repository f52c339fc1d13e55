// RaftNode's snapshots: cutting the log, shipping checkpoints to lagging followers, and
// installing one received from the leader (docs/server.md, "Snapshots").
#include <chrono>

#include <absl/strings/str_format.h>
#include <spdlog/spdlog.h>

#include "base/assert.h"
#include "kv/limits.h"
#include "raft/conf_change_codec.h"
#include "server/raft_node.h"
#include "server/snapshot_files.h"
#include "server/wal_fail_stop.h"

namespace keel::server {

void RaftNode::SendMessages(std::vector<raft::Message> messages) {
    std::vector<raft::Message> plain;
    plain.reserve(messages.size());
    for (raft::Message& message : messages) {
        if (message.type == raft::MessageType::kSnapshot && message.snapshot.has_value()) {
            checkpoint_sender_->Enqueue(std::move(message));
        } else {
            plain.push_back(std::move(message));
        }
    }
    if (!plain.empty()) {
        transport_->Send(std::move(plain));
    }
}

void RaftNode::OnSnapshotSent(NodeId peer, raft::SnapshotStatus status) {
    spdlog::info("snapshot transfer to member {:x} {}",
                 peer.value(),
                 status == raft::SnapshotStatus::kFinished ? "delivered" : "failed");
    {
        std::lock_guard lock(inbox_mu_);
        if (stopping_ || inbox_.snapshot_reports.size() >= options_.cluster.members.size()) {
            return;  // Raft retries a snapshot it never hears about after a probe
        }
        inbox_.snapshot_reports.emplace_back(peer, status);
    }
    inbox_cv_.notify_one();
}

void RaftNode::ReceiveSnapshots(std::vector<raft::Message>& messages) {
    std::vector<raft::Message> kept;
    kept.reserve(messages.size());
    for (raft::Message& message : messages) {
        if (message.type != raft::MessageType::kSnapshot || !message.snapshot.has_value()) {
            kept.push_back(std::move(message));
            continue;
        }
        const auto started = std::chrono::steady_clock::now();
        const size_t bytes = message.snapshot->data.size();
        absl::StatusOr<std::string> path =
            ReceiveCheckpoint(store_fs_, options_.data_dir, *message.snapshot);
        if (!path.ok()) {
            spdlog::warn("dropped snapshot {} from member {:x}: {}",
                         message.snapshot->meta.index.value(),
                         message.from.value(),
                         path.status().ToString());
            continue;
        }
        spdlog::info("received snapshot {} from member {:x}: {} bytes verified into {} in {} ms",
                     message.snapshot->meta.index.value(),
                     message.from.value(),
                     bytes,
                     *path,
                     std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - started)
                         .count());
        // From here on the snapshot's data names the state on disk, not the bytes.
        message.snapshot->data = *std::move(path);
        kept.push_back(std::move(message));
    }
    messages = std::move(kept);
}

void RaftNode::InstallSnapshot(const raft::Snapshot& snapshot) {
    const raft::SnapshotMeta& meta = snapshot.meta;
    // Step 2 (snapshot_files.h): the marker is durable before the store changes, so a crash
    // from here on completes the install on open.
    FailStopIfFailed(wal_->SaveSnapshot(meta), "save the snapshot marker");
    FailStopIfFailed(wal_->Sync(), "sync the WAL");
    {
        // Step 3: readers wait on store_mu_ and then see the new store whole.
        std::lock_guard lock(store_mu_);
        store_.reset();
        const std::string store_dir = storage::JoinPath(options_.data_dir, "kv");
        absl::StatusOr<std::unique_ptr<kv::MvccStore>> installed =
            kv::MvccStore::OpenFromCheckpoint(
                snapshot.data,
                store_dir,
                kv::MvccStoreOptions{.txn_ops_max = options_.limits.txn_ops_max});
        // The checkpoint was verified on receipt; failing now is a local disk problem, and a
        // restart completes the install from the same directory if it is still there.
        FailStopIfFailed(installed.status(), "install the received checkpoint");
        store_ = *std::move(installed);
        KEEL_ASSERT_MSG(store_->applied_index() >= meta.index,
                        "installed a checkpoint at %d for snapshot %d",
                        store_->applied_index().value(),
                        meta.index.value());
        applied_ = store_->applied_index();
        OnStoreInstalled();
    }
    FailStopIfFailed(store_fs_.SyncDir(options_.data_dir), "sync the data directory");
    RemoveReceivedBelow(options_.data_dir, meta.index);
    compaction_points_.Clear();
    conf_ = meta.conf_state;
    flushed_applied_ = applied_;
    spdlog::info("installed snapshot {} (term {}): the store has applied {}",
                 meta.index.value(),
                 meta.term.value(),
                 applied_.value());
}

void RaftNode::OnStoreInstalled() {
    // The watch hub: every watcher below the new revision catches up from the installed
    // store's history, so none misses or repeats an event; one whose next revision the leader
    // already compacted is canceled with compact_revision, as etcd answers a compacted watch.
    if (apply_observer_ != nullptr) {
        apply_observer_->OnRestored(store_->revision());
    }
    // The lessor tracks leases only while primary, and a member installs a snapshot only as a
    // follower (OnSoftState demotes it earlier in the same Ready); if it ever were primary, it
    // restarts from the installed store's leases.
    if (lessor_.is_primary()) {
        lessor_.Demote();
        lessor_.Promote(store_->LeaseLeases().leases, Clock::now());
    }
    db_size_bytes_.store(store_->ApproximateSizeBytes());
    // The alarms raised as of the checkpoint (a NOSPACE raised while this member lagged).
    alarms_.Reset(LoadAlarms(*store_));
    // The checkpoint's membership record supersedes the one applied so far (peers to dial,
    // this member's own removal).
    ReloadMembership();
}

void RaftNode::SkipCoveredEntry(const raft::Entry& entry) {
    // The installed checkpoint already holds this entry's effect on the store; only Raft's
    // own state (the configuration) still has to see it.
    if (entry.type == raft::EntryType::kConfChange) {
        absl::StatusOr<raft::ConfChange> change = raft::DecodeConfChange(entry.data);
        KEEL_ASSERT_MSG(change.ok(),
                        "committed conf change %d does not decode: %s",
                        entry.index.value(),
                        change.status().ToString());
        if (CoveredConfChangeTookEffect(*change)) {
            conf_ = raw_->ApplyConfChange(*change);
        }
    }
    compaction_points_.OnApplied(entry.index, entry.term, conf_);
}

void RaftNode::MaybeCompact() {
    if (applied_.value() < flushed_applied_.value() + options_.snapshot_count) {
        return;
    }
    // The store must be durable before any entry it covers leaves the log.
    {
        const auto started = std::chrono::steady_clock::now();
        std::lock_guard lock(store_mu_);
        if (const absl::Status flushed = store_->Flush(); !flushed.ok()) {
            spdlog::error("cannot flush the store, keeping the log: {}", flushed.ToString());
            return;
        }
        flushed_applied_ = store_->applied_index();
        spdlog::debug("flushed the store at {} in {} ms",
                      flushed_applied_.value(),
                      std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count());
    }
    if (flushed_applied_.value() <= options_.snapshot_catchup_entries) {
        return;
    }
    const Index cut_below(flushed_applied_.value() - options_.snapshot_catchup_entries);
    const std::optional<raft::SnapshotMeta> cut = compaction_points_.TakeAtOrBelow(cut_below);
    const Index current = wal_->snapshot().has_value() ? wal_->snapshot()->index : Index();
    if (!cut.has_value() || cut->index <= current) {
        return;
    }
    FailStopIfFailed(wal_->SaveSnapshot(*cut), "save the snapshot marker");
    FailStopIfFailed(wal_->Sync(), "sync the WAL");
    const absl::Status compacted =
        raw_->Compact(raft::Snapshot{.meta = *cut, .data = kLocalSnapshotData});
    KEEL_ASSERT_MSG(compacted.ok(), "compact to %d: %s", cut->index.value(), compacted.ToString());
    FailStopIfFailed(wal_->ReleaseTo(cut->index), "release WAL segments");
    spdlog::info("snapshot at {} (applied {}): the log now starts after it; WAL {} segments",
                 cut->index.value(),
                 flushed_applied_.value(),
                 wal_->segment_count());
}

}  // namespace keel::server
