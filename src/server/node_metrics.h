// NodeMetrics: the instruments a RaftNode updates as it works (leader changes, proposals in
// flight and failed, WAL fsync and apply latency). The levels it already knows (term, commit and
// applied index, leader) are read from RaftNode::View() when a page is rendered instead
// (server_metrics.h), so they cost the loop nothing.
//
// Owned by the RaftNode. Threading: RPC threads update the proposal instruments, the loop
// thread the rest; everything is atomic (metrics_registry.h), nothing locks.
#pragma once

#include <chrono>

#include <absl/status/status.h>

#include "server/metrics_registry.h"

namespace keel::server {

struct NodeMetrics {
    // Leadership moved to a known member other than the last one seen (etcd counts the same).
    Counter leader_changes;
    // Client proposals between Propose() and their answer.
    Gauge proposals_pending;
    // Client proposals that were not applied: refused by Raft, dropped by a leader change, timed
    // out, or cut by a full disk or a shutdown (IsFailedProposal).
    Counter proposals_failed;
    // One WAL sync (group commit) of a Ready: etcd's buckets, 1 ms to 8.192 s.
    DurationHistogram wal_fsync{
        DurationHistogram::ExponentialBounds(std::chrono::milliseconds(1), 14)};
    // Applying one Ready's committed entries to the store (one RocksDB batch per entry): keel's
    // backend commit. etcd's buckets for it, 1 ms to 8.192 s.
    DurationHistogram backend_commit{
        DurationHistogram::ExponentialBounds(std::chrono::milliseconds(1), 14)};
};

// True if a Propose() answer means the proposal was not applied for a reason of the
// consensus path (etcd's proposals_failed_total): LeaderChangedError, RequestTimeoutError,
// TooManyRequestsError, NoLeaderError, StoppedError or DiskFullError. Not for OK, the state
// machine's own errors, or NotLeaderError (the caller forwards).
bool IsFailedProposal(const absl::Status& status);

// Counts one proposal as pending for its lifetime (RAII).
class PendingProposal {
public:
    explicit PendingProposal(Gauge& pending) : pending_(pending) { pending_.Add(1); }

    ~PendingProposal() { pending_.Add(-1); }

    PendingProposal(const PendingProposal&) = delete;
    PendingProposal& operator=(const PendingProposal&) = delete;

private:
    Gauge& pending_;
};

}  // namespace keel::server
