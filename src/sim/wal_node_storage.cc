#include "sim/wal_node_storage.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/status.h"
#include "storage/wal_format.h"

namespace keel::sim {
namespace {

constexpr char kWalDir[] = "/node/wal";
constexpr char kSnapshotDir[] = "/node/snap";

}  // namespace

WalNodeStorage::WalNodeStorage(WalNodeStorageOptions options)
    : options_(std::move(options)), fs_(options_.disk_seed) {}

absl::StatusOr<std::unique_ptr<WalNodeStorage>> WalNodeStorage::Create(
    WalNodeStorageOptions options) {
    std::unique_ptr<WalNodeStorage> storage(new WalNodeStorage(std::move(options)));
    KEEL_RETURN_IF_ERROR(storage->OpenAll().status());
    return storage;
}

absl::StatusOr<storage::WalContents> WalNodeStorage::OpenAll() {
    wal_.reset();
    snapshots_.reset();
    unwritten_hard_state_.reset();
    released_index_ = Index::None();
    KEEL_ASSIGN_OR_RETURN(storage::WalOpened opened,
                          storage::Wal::Open(fs_, kWalDir, options_.wal));
    KEEL_ASSIGN_OR_RETURN(snapshots_,
                          storage::SnapshotStore::Open(fs_, kSnapshotDir, options_.snapshots));
    wal_ = std::move(opened.wal);
    return std::move(opened.contents);
}

absl::Status WalNodeStorage::CheckOpen() const {
    if (wal_ == nullptr) {
        return absl::FailedPreconditionError("the node crashed; Load() before writing");
    }
    return absl::OkStatus();
}

absl::Status WalNodeStorage::Append(const std::vector<raft::Entry>& entries) {
    KEEL_RETURN_IF_ERROR(CheckOpen());
    if (!entries.empty() && entries.front().index.is_none()) {
        return absl::InvalidArgumentError("entry index 0 is not a log position");
    }
    return wal_->Append(entries);
}

absl::Status WalNodeStorage::SetHardState(const raft::HardState& hard_state) {
    KEEL_RETURN_IF_ERROR(CheckOpen());
    raft::HardState capped = hard_state;
    capped.commit = std::min(hard_state.commit, wal_->last_index());
    KEEL_RETURN_IF_ERROR(wal_->SaveHardState(capped));
    if (capped == hard_state) {
        unwritten_hard_state_.reset();
    } else {
        unwritten_hard_state_ = hard_state;
    }
    return absl::OkStatus();
}

absl::Status WalNodeStorage::SaveSnapshot(const raft::Snapshot& snapshot) {
    KEEL_RETURN_IF_ERROR(CheckOpen());
    const std::optional<raft::SnapshotMeta>& current = wal_->snapshot();
    if (current.has_value() && snapshot.meta.index <= current->index) {
        return absl::OkStatus();  // not newer: ignored, as NodeStorage specifies
    }
    const absl::Status saved = snapshots_->Save(snapshot);
    // Already there: an earlier save whose marker a crash lost. Same index and term, same
    // state (Log Matching), and the file is whole because it was renamed into place synced.
    if (!saved.ok() && !absl::IsAlreadyExists(saved)) {
        return saved;
    }
    return wal_->SaveSnapshot(snapshot.meta);
}

absl::Status WalNodeStorage::Sync() {
    KEEL_RETURN_IF_ERROR(CheckOpen());
    if (unwritten_hard_state_.has_value()) {
        KEEL_ASSERT(unwritten_hard_state_->commit <= wal_->last_index());
        KEEL_RETURN_IF_ERROR(wal_->SaveHardState(*unwritten_hard_state_));
        unwritten_hard_state_.reset();
    }
    KEEL_RETURN_IF_ERROR(wal_->Sync());
    if (wal_->snapshot().has_value() && wal_->snapshot()->index > released_index_) {
        // The marker is durable now: what it covers may go.
        const Index covered = wal_->snapshot()->index;
        KEEL_RETURN_IF_ERROR(wal_->ReleaseTo(covered));
        KEEL_RETURN_IF_ERROR(snapshots_->RemoveOlderThan(covered));
        released_index_ = covered;
    }
    return absl::OkStatus();
}

void WalNodeStorage::Crash() {
    wal_.reset();
    snapshots_.reset();
    unwritten_hard_state_.reset();
    fs_.Crash(options_.crash_mode);
}

absl::StatusOr<Recovered> WalNodeStorage::Load() {
    KEEL_ASSIGN_OR_RETURN(storage::WalContents contents, OpenAll());
    Recovered recovered;
    raft::Restored& restored = recovered.restored;
    restored.hard_state = contents.hard_state;
    restored.entries = std::move(contents.entries);
    restored.conf_state = options_.bootstrap;
    if (contents.snapshot.has_value()) {
        // The marker names the snapshot of the recovery line; it was durable before the marker.
        absl::StatusOr<raft::Snapshot> snapshot =
            snapshots_->Load(contents.snapshot->index, contents.snapshot->term);
        if (!snapshot.ok()) {
            return absl::DataLossError(absl::StrCat(
                "the snapshot the WAL continues is unreadable: ", snapshot.status().message()));
        }
        if (snapshot->meta != *contents.snapshot) {
            return absl::DataLossError("the snapshot file does not match the WAL's marker");
        }
        restored.snapshot = snapshot->meta;
        restored.conf_state = snapshot->meta.conf_state;
        restored.applied = snapshot->meta.index;
        recovered.snapshot_data = std::move(snapshot->data);
    }
    return recovered;
}

std::optional<std::string> WalNodeStorage::CorruptDurableData(base::Rng& rng) {
    KEEL_ASSERT_MSG(wal_ == nullptr, "corrupting the disk of a running node");
    absl::StatusOr<std::vector<std::string>> names = fs_.ListDir(kWalDir);
    KEEL_ASSERT_MSG(names.ok(), "listing the simulated WAL: %s", names.status().ToString());
    std::vector<std::string> segments;
    for (const std::string& name : *names) {
        if (storage::ParseSegmentFileName(name).has_value()) {
            segments.push_back(name);  // sorted by name, hence by sequence
        }
    }
    if (segments.size() < 2) {
        return std::nullopt;
    }
    const std::string path =
        storage::JoinPath(kWalDir, segments[rng.Uniform(segments.size() - 1)]);
    absl::StatusOr<uint64_t> size = fs_.FileSize(path);
    KEEL_ASSERT_MSG(size.ok() && *size > 0, "sizing %s", path);
    const uint64_t offset = rng.Uniform(*size);
    const int bit = static_cast<int>(rng.Uniform(8));
    const absl::Status flipped = fs_.FlipBit(path, offset, bit);
    KEEL_ASSERT_MSG(flipped.ok(), "flipping a bit of %s: %s", path, flipped.ToString());
    return absl::StrFormat("%s offset %d bit %d", path, offset, bit);
}

}  // namespace keel::sim
