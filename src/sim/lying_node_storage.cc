#include "sim/lying_node_storage.h"

#include <utility>

#include "base/assert.h"

namespace keel::sim {

LyingNodeStorage::LyingNodeStorage(std::unique_ptr<NodeStorage> inner,
                                   base::Rng rng,
                                   Options options)
    : inner_(std::move(inner)), rng_(rng), options_(options) {
    KEEL_ASSERT(inner_ != nullptr);
    KEEL_ASSERT(options_.lie_denominator > 0);
    KEEL_ASSERT(options_.lie_numerator <= options_.lie_denominator);
}

absl::Status LyingNodeStorage::Append(const std::vector<raft::Entry>& entries) {
    return inner_->Append(entries);
}

absl::Status LyingNodeStorage::SetHardState(const raft::HardState& hard_state) {
    return inner_->SetHardState(hard_state);
}

absl::Status LyingNodeStorage::SaveSnapshot(const raft::Snapshot& snapshot) {
    return inner_->SaveSnapshot(snapshot);
}

absl::Status LyingNodeStorage::Sync() {
    if (rng_.Chance(options_.lie_numerator, options_.lie_denominator)) {
        ++lies_told_;
        return absl::OkStatus();
    }
    return inner_->Sync();
}

void LyingNodeStorage::Crash() {
    inner_->Crash();
}

absl::StatusOr<Recovered> LyingNodeStorage::Load() {
    return inner_->Load();
}

}  // namespace keel::sim
