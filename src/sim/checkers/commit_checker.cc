#include "sim/checkers/commit_checker.h"

#include <absl/strings/str_format.h>

namespace keel::sim {

void CommitChecker::ObserveCommit(NodeId node, Index commit) {
    Index& running = running_[node];
    if (commit < running) {
        log_->Report("commit-monotonic",
                     absl::StrFormat("node %d's commit index went back from %d to %d",
                                     node.value(),
                                     running.value(),
                                     commit.value()));
        return;
    }
    running = commit;
    if (commit.is_none()) {
        return;
    }
    const std::optional<uint64_t> hash = logs_->PrefixHash(node, commit);
    if (!hash.has_value()) {
        // A commit index at or below a snapshot is covered by the snapshot's own checks; one
        // beyond the log is a bug (a follower commits only what it holds, §5.3).
        if (commit > logs_->LastIndex(node)) {
            log_->Report("commit-monotonic",
                         absl::StrFormat("node %d commits %d beyond its last index %d",
                                         node.value(),
                                         commit.value(),
                                         logs_->LastIndex(node).value()));
        }
        return;
    }
    CheckAgainstRecords(node, commit, *hash);
}

void CommitChecker::CheckAgainstRecords(NodeId node, Index commit, uint64_t hash) {
    const auto [it, inserted] = committed_.try_emplace(commit, hash);
    if (!inserted && it->second != hash) {
        log_->Report(
            "commit-agreement",
            absl::StrFormat(
                "node %d committed a different log up to index %d", node.value(), commit.value()));
        return;
    }
    // The nearest commit point below must be a prefix of this node's log too.
    if (it != committed_.begin()) {
        const auto below = std::prev(it);
        const std::optional<uint64_t> mine = logs_->PrefixHash(node, below->first);
        if (mine.has_value() && *mine != below->second) {
            log_->Report("commit-agreement",
                         absl::StrFormat("node %d commits %d over a log that differs from the "
                                         "committed log at %d",
                                         node.value(),
                                         commit.value(),
                                         below->first.value()));
        }
    }
}

void CommitChecker::ObserveDurableCommit(NodeId node, Index commit) {
    Index& durable = durable_[node];
    if (commit > durable) {
        durable = commit;
    }
}

void CommitChecker::ObserveRestart(NodeId node, Index commit) {
    const Index durable = durable_[node];
    if (commit < durable) {
        log_->Report("commit-durable",
                     absl::StrFormat("node %d restarted with commit index %d below the %d it had "
                                     "synced before the crash",
                                     node.value(),
                                     commit.value(),
                                     durable.value()));
    }
    running_[node] = commit;
}

Index CommitChecker::committed_index() const {
    return committed_.empty() ? Index::None() : committed_.rbegin()->first;
}

std::optional<uint64_t> CommitChecker::CommittedHash(Index index) const {
    const auto it = committed_.find(index);
    return it == committed_.end() ? std::nullopt : std::optional<uint64_t>(it->second);
}

}  // namespace keel::sim
