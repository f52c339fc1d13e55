// Client operations and observations of Cluster (cluster.h).
#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "sim/cluster.h"
#include "sim/cluster_node.h"

namespace keel::sim {

raft::ProposeResult Cluster::Propose(NodeId id, std::string data) {
    Node& n = node(id);
    if (n.raw == nullptr) {
        return {.error = raft::ProposeError::kNotLeader};
    }
    const std::string label = data;
    raft::ProposeResult result = n.raw->Propose(std::move(data));
    n.raw->CheckInvariants();
    if (result.ok()) {
        ++stats_.proposals_accepted;
        TraceLine(absl::StrFormat("node %d accepts %s at %d/%d",
                                  id.value(),
                                  label,
                                  result.index.value(),
                                  result.term.value()));
    }
    DrainReady(n);
    return result;
}

raft::ProposeResult Cluster::ProposeSessioned(NodeId id, SessionCommand command) {
    const Node& n = node(id);
    if (n.raw == nullptr) {
        return {.error = raft::ProposeError::kNotLeader};
    }
    // The node's wall clock: virtual time plus a fixed per-node offset of up to 50 ms, so
    // nodes disagree about the time as real ones do (apply must not care).
    command.leader_time_ms = static_cast<int64_t>(now_us() / 1000 + 1 + (id.value() * 37) % 50);
    command.origin = id;
    command.origin_incarnation = n.incarnation;
    command.proposal = ++proposal_sequence_;
    return Propose(id, command.Encode());
}

raft::ProposeResult Cluster::ProposeConfChange(NodeId id, const raft::ConfChange& change) {
    Node& n = node(id);
    if (n.raw == nullptr) {
        return {.error = raft::ProposeError::kNotLeader};
    }
    raft::ProposeResult result = n.raw->ProposeConfChange(change);
    n.raw->CheckInvariants();
    std::string changes;
    for (const raft::ConfChangeSingle& single : change.changes) {
        absl::StrAppendFormat(
            &changes, " %d:%d", static_cast<int>(single.type), single.node.value());
    }
    TraceLine(absl::StrFormat("node %d conf change [transition %d%s]: %s",
                              id.value(),
                              static_cast<int>(change.transition),
                              changes,
                              raft::ProposeErrorName(result.error)));
    if (result.ok()) {
        ++stats_.conf_changes_accepted;
    }
    DrainReady(n);
    return result;
}

void Cluster::ReadIndex(NodeId id) {
    Node& n = node(id);
    if (n.raw == nullptr) {
        return;
    }
    std::string context = absl::StrFormat("read-%d", ++read_sequence_);
    reads_.ObserveRequest(context, commits_.committed_index());
    ++stats_.reads_requested;
    TraceLine(absl::StrFormat("node %d read %s", id.value(), context));
    n.raw->ReadIndex(std::move(context));
    n.raw->CheckInvariants();
    DrainReady(n);
}

void Cluster::TransferLeadership(NodeId id, NodeId transferee) {
    Node& n = node(id);
    if (n.raw == nullptr) {
        return;
    }
    TraceLine(absl::StrFormat("node %d transfer leadership to %d", id.value(), transferee.value()));
    n.raw->TransferLeadership(transferee);
    n.raw->CheckInvariants();
    DrainReady(n);
}

// The application snapshots its state at its applied index with the membership as of that
// index, and Raft discards the log up to it (raw_node.h, Compact).
void Cluster::Compact(NodeId id) {
    Node& n = node(id);
    if (n.raw == nullptr || n.state.applied_index() <= n.snapshot_index) {
        return;
    }
    raft::Snapshot snapshot{.meta = {.index = n.state.applied_index(),
                                     .term = n.state.applied_term(),
                                     .conf_state = n.conf_state},
                            .data = n.state.Encode()};
    const absl::Status status = n.raw->Compact(snapshot);
    n.raw->CheckInvariants();
    TraceLine(absl::StrFormat(
        "node %d compacts at %d: %s", id.value(), snapshot.meta.index.value(), status.ToString()));
    if (!status.ok()) {
        return;  // e.g. an index Raft has not handed out yet; nothing changed
    }
    ++stats_.compactions;
    n.snapshot_index = snapshot.meta.index;
    if (Check(id, n.storage->SaveSnapshot(snapshot), "persist snapshot")) {
        DrainReady(n);
    }
}

void Cluster::CheckFinalState(NodeId id) {
    durability_.CheckFinal(id, node(id).state);
    sessions_.CheckFinal(id, node(id).state);
}

bool Cluster::IsUp(NodeId id) const {
    return node(id).raw != nullptr;
}

bool Cluster::IsQuarantined(NodeId id) const {
    return node(id).quarantined;
}

NodeId Cluster::Leader() const {
    NodeId leader;
    Term best;
    for (const auto& n : nodes_) {
        if (n->raw != nullptr && n->raw->role() == raft::Role::kLeader && n->raw->term() > best) {
            leader = n->id;
            best = n->raw->term();
        }
    }
    return leader;
}

const raft::ConfState& Cluster::conf_state(NodeId id) const {
    return node(id).conf_state;
}

const StateMachine& Cluster::state(NodeId id) const {
    return node(id).state;
}

raft::Role Cluster::role(NodeId id) const {
    const Node& n = node(id);
    return n.raw == nullptr ? raft::Role::kFollower : n.raw->role();
}

Term Cluster::term(NodeId id) const {
    const Node& n = node(id);
    return n.raw == nullptr ? Term::None() : n.raw->term();
}

Cluster::Node& Cluster::node(NodeId id) {
    KEEL_ASSERT_MSG(id.value() >= 1 && id.value() <= nodes_.size(), "no node %d", id.value());
    return *nodes_[id.value() - 1];
}

const Cluster::Node& Cluster::node(NodeId id) const {
    KEEL_ASSERT_MSG(id.value() >= 1 && id.value() <= nodes_.size(), "no node %d", id.value());
    return *nodes_[id.value() - 1];
}

}  // namespace keel::sim
