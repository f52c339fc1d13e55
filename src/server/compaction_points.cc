#include "server/compaction_points.h"

#include "base/assert.h"

namespace keel::server {

CompactionPoints::CompactionPoints(uint64_t stride) : stride_(stride) {
    KEEL_ASSERT(stride_ >= 1);
}

void CompactionPoints::OnApplied(Index index, Term term, const raft::ConfState& conf) {
    if (!points_.empty()) {
        KEEL_ASSERT_MSG(index > points_.back().index,
                        "applied %d after recording %d",
                        index.value(),
                        points_.back().index.value());
    }
    if (index.value() % stride_ != 0) {
        return;
    }
    if (points_.size() == kCompactionPointsMax) {
        points_.pop_front();  // the oldest is the least useful: a cut keeps recent entries
    }
    points_.push_back(raft::SnapshotMeta{.index = index, .term = term, .conf_state = conf});
    KEEL_ASSERT(points_.size() <= kCompactionPointsMax);
}

std::optional<raft::SnapshotMeta> CompactionPoints::TakeAtOrBelow(Index index) {
    std::optional<raft::SnapshotMeta> taken;
    while (!points_.empty() && points_.front().index <= index) {
        taken = std::move(points_.front());
        points_.pop_front();
    }
    return taken;
}

}  // namespace keel::server
