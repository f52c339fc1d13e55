// The Ready loop of Cluster (cluster.h): raw_node.h's four steps, observed by the checkers.
#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "raft/conf_change_codec.h"
#include "sim/cluster.h"
#include "sim/cluster_node.h"

namespace keel::sim {
namespace {

// A Ready loop that keeps producing Readies is a livelock in the core, not progress.
constexpr int kReadyRoundsMax = 1000;

}  // namespace

void Cluster::DrainReady(Node& n) {
    for (int round = 0; n.raw != nullptr && n.raw->HasReady(); ++round) {
        if (round >= kReadyRoundsMax) {
            violations_.Report(
                "ready-livelock",
                absl::StrFormat("node %d produced %d Readies in a row", n.id.value(), round));
            return;
        }
        raft::Ready ready = n.raw->GetReady();
        // 1. Persist (and sync when asked), before anything leaves the node.
        if (!Persist(n, ready)) {
            return;
        }
        ObserveRole(n, ready);
        // 2. Send.
        Send(std::move(ready.messages));
        // 3. Install the snapshot and apply the committed entries.
        if (!Apply(n, ready)) {
            return;
        }
        for (const raft::ReadState& read : ready.read_states) {
            reads_.ObserveReadState(n.id, read);
        }
        stats_.reads_dropped += ready.dropped_read_contexts.size();
        // 4. Advance.
        n.raw->Advance();
        n.raw->CheckInvariants();
    }
}

bool Cluster::Persist(Node& n, const raft::Ready& ready) {
    if (ready.hard_state.has_value()) {
        if (!Check(n.id, n.storage->SetHardState(*ready.hard_state), "persist hard state")) {
            return false;
        }
        n.written_commit = ready.hard_state->commit;
    }
    if (ready.snapshot.has_value()) {
        if (!Check(n.id, n.storage->SaveSnapshot(*ready.snapshot), "persist snapshot")) {
            return false;
        }
        logs_.InstallSnapshot(n.id, ready.snapshot->meta);
    }
    if (!ready.entries.empty()) {
        if (!Check(n.id, n.storage->Append(ready.entries), "persist entries")) {
            return false;
        }
        logs_.Append(n.id, ready.entries);
    }
    if (ready.must_sync) {
        if (rng_.Chance(options_.swarm.crash_before_sync_per_mille, 1000)) {
            // The process dies between its writes and their fsync: nothing of this Ready may
            // survive or leave the node.
            TraceLine(absl::StrFormat("node %d crashes before sync", n.id.value()));
            Crash(n.id);
            return false;
        }
        if (!Check(n.id, n.storage->Sync(), "sync")) {
            return false;
        }
        commits_.ObserveDurableCommit(n.id, n.written_commit);
    }
    if (ready.hard_state.has_value()) {
        commits_.ObserveCommit(n.id, ready.hard_state->commit);
    }
    return true;
}

void Cluster::ObserveRole(Node& n, const raft::Ready& ready) {
    if (!ready.soft_state.has_value()) {
        return;
    }
    const Term term = n.raw->term();
    TraceLine(absl::StrFormat("node %d is %s in term %d (leader %d)",
                              n.id.value(),
                              raft::RoleName(ready.soft_state->role),
                              term.value(),
                              ready.soft_state->leader.value()));
    if (ready.soft_state->role == raft::Role::kLeader) {
        election_.ObserveLeader(n.id, term);
        completeness_.ObserveNewLeader(n.id, term);
        if (leader_observer_) {
            leader_observer_(n.id, term);
        }
    }
}

void Cluster::Send(std::vector<raft::Message> messages) {
    for (raft::Message& message : messages) {
        const bool known = message.to.value() >= 1 && message.to.value() <= node_ids_.size();
        const std::vector<uint64_t> delays =
            known ? network_.Route(message.from, message.to) : std::vector<uint64_t>{};
        if (delays.empty() && message.type == raft::MessageType::kSnapshot) {
            queue_.PushAfter(
                0, SnapshotReport{message.from, message.to, raft::SnapshotStatus::kFailed});
        }
        // Each copy is a separate value: the network delivers by value, never by reference.
        for (uint64_t delay_us : delays) {
            queue_.PushAfter(delay_us, Delivery{message});
        }
    }
}

bool Cluster::Apply(Node& n, const raft::Ready& ready) {
    if (ready.snapshot.has_value() && !InstallSnapshot(n, *ready.snapshot)) {
        return false;
    }
    for (const raft::Entry& entry : ready.committed_entries) {
        if (!ApplyEntry(n, entry)) {
            return false;
        }
    }
    return true;
}

bool Cluster::InstallSnapshot(Node& n, const raft::Snapshot& snapshot) {
    absl::StatusOr<StateMachine> image = StateMachine::Decode(snapshot.data);
    if (!Check(n.id, image.status(), "decode snapshot")) {
        return false;
    }
    if (image->applied_index() != snapshot.meta.index) {
        violations_.Report("snapshot",
                           absl::StrFormat("node %d got a snapshot at %d whose image "
                                           "is at %d",
                                           n.id.value(),
                                           snapshot.meta.index.value(),
                                           image->applied_index().value()));
        return false;
    }
    n.state = *std::move(image);
    n.conf_state = snapshot.meta.conf_state;
    n.snapshot_index = snapshot.meta.index;
    ++stats_.snapshots_installed;
    state_machines_.ObserveSnapshot(n.id, n.state.applied_index(), n.state.chain());
    TraceLine(absl::StrFormat("node %d installs snapshot %d/%d",
                              n.id.value(),
                              snapshot.meta.index.value(),
                              snapshot.meta.term.value()));
    return true;
}

bool Cluster::ApplyEntry(Node& n, const raft::Entry& entry) {
    if (entry.index != n.state.applied_index().Next()) {
        violations_.Report("apply-order",
                           absl::StrFormat("node %d was handed index %d after applying %d",
                                           n.id.value(),
                                           entry.index.value(),
                                           n.state.applied_index().value()));
        return false;
    }
    const std::optional<SessionOutcome> session =
        n.state.Apply(entry, !options_.unsafe_execute_retransmissions);
    state_machines_.ObserveApply(n.id, entry, n.state.chain());
    if (session.has_value()) {
        sessions_.ObserveApply(n.id, *session);
        // Only the node that took the request answers, and only if it has not crashed since
        // (its pending requests died with it); the client retransmits otherwise.
        if (session->command.origin == n.id && session->command.origin_incarnation == n.incarnation
            && session_reply_observer_) {
            session_reply_observer_(*session);
        }
    }
    if (entry.type == raft::EntryType::kConfChange) {
        absl::StatusOr<raft::ConfChange> change = raft::DecodeConfChange(entry.data);
        if (!Check(n.id, change.status(), "decode conf change")) {
            return false;
        }
        n.conf_state = n.raw->ApplyConfChange(*change);
        n.raw->CheckInvariants();
    } else if (!entry.data.empty()) {
        durability_.ObserveApply(n.id, entry.index, entry.data);
    }
    return true;
}

void Cluster::PollLeaders() {
    for (const auto& n : nodes_) {
        if (n->raw != nullptr && n->raw->role() == raft::Role::kLeader) {
            election_.ObserveLeader(n->id, n->raw->term());
        }
    }
}

bool Cluster::Check(NodeId id, const absl::Status& status, const char* what) {
    if (status.ok()) {
        return true;
    }
    violations_.Report("raft-status",
                       absl::StrFormat("node %d: %s: %s", id.value(), what, status.ToString()));
    return false;
}

}  // namespace keel::sim
