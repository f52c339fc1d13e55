#include "sim/memory_node_storage.h"

#include <utility>

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/status.h"

namespace keel::sim {

MemoryNodeStorage::MemoryNodeStorage(raft::ConfState bootstrap)
    : bootstrap_(std::move(bootstrap)) {}

absl::Status MemoryNodeStorage::Append(const std::vector<raft::Entry>& entries) {
    if (entries.empty()) {
        return absl::OkStatus();
    }
    return Record(entries);
}

absl::Status MemoryNodeStorage::SetHardState(const raft::HardState& hard_state) {
    return Record(hard_state);
}

absl::Status MemoryNodeStorage::SaveSnapshot(const raft::Snapshot& snapshot) {
    return Record(snapshot);
}

absl::Status MemoryNodeStorage::Sync() {
    for (const Write& write : pending_) {
        // Every queued write already applied cleanly to the volatile image, which started
        // from the same durable state, so replaying it cannot fail.
        const absl::Status status = ApplyWrite(write, &durable_);
        KEEL_ASSERT_MSG(status.ok(), "replaying a write failed: %s", status.ToString());
    }
    pending_.clear();
    return absl::OkStatus();
}

void MemoryNodeStorage::Crash() {
    pending_.clear();
    volatile_ = durable_;
}

absl::StatusOr<Recovered> MemoryNodeStorage::Load() {
    Recovered recovered;
    raft::Restored& restored = recovered.restored;
    restored.hard_state = durable_.hard_state;
    restored.entries = durable_.log;
    restored.conf_state = bootstrap_;
    if (durable_.snapshot.has_value()) {
        restored.snapshot = durable_.snapshot->meta;
        restored.conf_state = durable_.snapshot->meta.conf_state;
        restored.applied = durable_.snapshot->meta.index;
        recovered.snapshot_data = durable_.snapshot->data;
    }
    return recovered;
}

absl::Status MemoryNodeStorage::Record(Write write) {
    KEEL_RETURN_IF_ERROR(ApplyWrite(write, &volatile_));
    pending_.push_back(std::move(write));
    return absl::OkStatus();
}

absl::Status MemoryNodeStorage::ApplyWrite(const Write& write, Image* image) {
    if (const auto* entries = std::get_if<std::vector<raft::Entry>>(&write)) {
        return AppendTo(*entries, image);
    }
    if (const auto* hard_state = std::get_if<raft::HardState>(&write)) {
        image->hard_state = *hard_state;
        return absl::OkStatus();
    }
    SnapshotTo(std::get<raft::Snapshot>(write), image);
    return absl::OkStatus();
}

absl::Status MemoryNodeStorage::AppendTo(const std::vector<raft::Entry>& entries, Image* image) {
    if (entries.front().index.is_none()) {
        return absl::InvalidArgumentError("entry index 0 is not a log position");
    }
    for (size_t i = 1; i < entries.size(); ++i) {
        if (entries[i].index != entries[i - 1].index.Next()) {
            return absl::InvalidArgumentError(
                absl::StrFormat("entries not contiguous: %d follows %d",
                                entries[i].index.value(),
                                entries[i - 1].index.value()));
        }
    }
    const Index snapshot_index =
        image->snapshot.has_value() ? image->snapshot->meta.index : Index::None();
    const Index first = snapshot_index.Next();
    const Index next = first + image->log.size();
    if (entries.front().index > next) {
        return absl::FailedPreconditionError(
            absl::StrFormat("append at %d leaves a gap after the last stored index %d",
                            entries.front().index.value(),
                            next.Prev().value()));
    }
    // Keep the stored prefix below the first new entry that the snapshot does not cover.
    size_t skip = 0;
    while (skip < entries.size() && entries[skip].index <= snapshot_index) {
        ++skip;
    }
    if (skip == entries.size()) {
        return absl::OkStatus();
    }
    image->log.resize(entries[skip].index - first);
    image->log.insert(
        image->log.end(), entries.begin() + static_cast<ptrdiff_t>(skip), entries.end());
    return absl::OkStatus();
}

void MemoryNodeStorage::SnapshotTo(const raft::Snapshot& snapshot, Image* image) {
    const Index old_index =
        image->snapshot.has_value() ? image->snapshot->meta.index : Index::None();
    const Index index = snapshot.meta.index;
    if (index <= old_index) {
        return;
    }
    const Index first = old_index.Next();
    const Index next = first + image->log.size();
    const bool matches = index < next && image->log[index - first].term == snapshot.meta.term;
    if (matches) {
        // Figure 13, step 6: the log continues the snapshot; keep what follows it.
        image->log.erase(image->log.begin(),
                         image->log.begin() + static_cast<ptrdiff_t>(index - first + 1));
    } else {
        // Figure 13, step 7: discard the entire log.
        image->log.clear();
    }
    image->snapshot = snapshot;
}

}  // namespace keel::sim
