// CompactionPoints: where this member may cut its Raft log, remembered as entries are applied.
//
// A log cut (RawNode::Compact) needs the cut entry's term and the configuration as of that
// entry. keeld cuts snapshot_catchup_entries behind its applied index, so that a follower that
// is only a little behind still catches up from the log rather than by a snapshot (etcd's
// --experimental-snapshot-catchup-entries); by then the entry's term and configuration are
// history. This records them every `stride` applied entries, the snapshot metadata ready made.
//
// Owned by RaftNode; loop thread only.
// Invariant: points_ hold strictly increasing indexes; points_.size() <= kCompactionPointsMax.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "raft/types.h"

namespace keel::server {

inline constexpr size_t kCompactionPointsMax = 1024;

class CompactionPoints {
public:
    // Records a point at every index that is a multiple of `stride` (>= 1).
    explicit CompactionPoints(uint64_t stride);

    // The entry at `index` with `term` was applied; `conf` is the configuration after it.
    // Indexes must increase between calls (until Clear()).
    void OnApplied(Index index, Term term, const raft::ConfState& conf);

    // The newest recorded point at or below `index`, if any; it and every older point are
    // forgotten (a cut never moves backwards).
    std::optional<raft::SnapshotMeta> TakeAtOrBelow(Index index);

    // Forgets every point: the log they describe was replaced by an installed snapshot.
    void Clear() { points_.clear(); }

    size_t size() const { return points_.size(); }

private:
    const uint64_t stride_;
    std::deque<raft::SnapshotMeta> points_;
};

}  // namespace keel::server
