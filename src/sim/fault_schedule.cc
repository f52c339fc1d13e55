#include "sim/fault_schedule.h"

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "sim/partition.h"

namespace keel::sim {
namespace {

// A churned leader crashes within this many ticks of its election.
constexpr uint64_t kChurnDelayTicksMax = 3;
// and restarts within this many ticks of the crash.
constexpr uint64_t kChurnDownTicksMax = 20;

}  // namespace

FaultSchedule::FaultSchedule(const SwarmOptions& swarm, Cluster* cluster, base::Rng rng)
    : swarm_(swarm), cluster_(cluster), rng_(rng) {
    KEEL_ASSERT(cluster_ != nullptr);
    cluster_->SetLeaderObserver([this](NodeId id, Term term) { OnNewLeader(id, term); });
}

// Leader churn: at most one pending crash at a time, a few ticks after the election.
void FaultSchedule::OnNewLeader(NodeId id, Term term) {
    if (healed_ || !swarm_.crashes || !churn_node_.is_none()
        || !rng_.Chance(swarm_.leader_churn_per_mille, 1000)) {
        return;
    }
    churn_node_ = id;
    churn_term_ = term;
    cluster_->ScheduleTimer(rng_.Range(0, kChurnDelayTicksMax * kTickPeriodUs), TimerKind::kChurn);
}

// The churn cycle: crash the leader if it still leads the same term, then restart it a
// few ticks later (a supervisor restarting the process), so that leadership keeps moving
// between nodes whose logs end in different terms.
void FaultSchedule::OnChurnTimer() {
    const NodeId id = churn_node_;
    if (churn_crashed_) {
        churn_node_ = NodeId::None();
        churn_crashed_ = false;
        if (!healed_) {
            cluster_->Restart(id);
        }
        return;
    }
    if (healed_ || !cluster_->IsUp(id) || cluster_->role(id) != raft::Role::kLeader
        || cluster_->term(id) != churn_term_) {
        churn_node_ = NodeId::None();
        return;
    }
    cluster_->Note(absl::StrFormat("leader churn: node %d", id.value()));
    cluster_->Crash(id);
    churn_crashed_ = true;
    cluster_->ScheduleTimer(rng_.Range(1, kChurnDownTicksMax) * kTickPeriodUs, TimerKind::kChurn);
}

void FaultSchedule::OnTimer() {
    if (healed_) {
        return;
    }
    if (rng_.Chance(swarm_.fault_per_mille, 1000)) {
        const bool partition = swarm_.partitions && (!swarm_.crashes || rng_.Chance(1, 2));
        if (partition) {
            Partition();
        } else if (swarm_.crashes) {
            CrashOrRestart();
        }
    }
    cluster_->ScheduleTimer(rng_.Range(1, swarm_.fault_interval_max_us), TimerKind::kFault);
}

void FaultSchedule::Partition() {
    Network& network = cluster_->network();
    if (network.partition().has_value()) {
        network.Heal();
        cluster_->Note("network heals");
        return;
    }
    const auto kind = static_cast<PartitionKind>(rng_.Uniform(kPartitionKindCount));
    sim::Partition partition = MakePartition(kind, cluster_->node_ids(), cluster_->Leader(), rng_);
    cluster_->Note(
        absl::StrFormat("partition %s: %s", PartitionKindName(kind), partition.description));
    network.SetPartition(std::move(partition));
    ++partitions_;
}

// Crashes an up node, or restarts a down one; a node that is down stays down for at least
// one fault interval.
void FaultSchedule::CrashOrRestart() {
    const std::vector<NodeId>& ids = cluster_->node_ids();
    std::vector<NodeId> down;
    for (NodeId id : ids) {
        if (!cluster_->IsUp(id)) {
            down.push_back(id);
        }
    }
    // Keep a majority up most of the time: with half or more down, restart one instead.
    const NodeId id = ids[rng_.Uniform(ids.size())];
    if (cluster_->IsUp(id) && 2 * (down.size() + 1) <= ids.size()) {
        // Corrupt disks quarantine their nodes for good: at most a minority, ever.
        if (swarm_.corruption && 2 * (corrupted_ + 1) < ids.size() && rng_.Chance(1, 3)) {
            corrupted_ += cluster_->CrashAndCorrupt(id, rng_) ? 1 : 0;
        } else {
            cluster_->Crash(id);
        }
    } else if (!down.empty()) {
        cluster_->Restart(down[rng_.Uniform(down.size())]);
    }
}

void FaultSchedule::HealAll() {
    healed_ = true;
    cluster_->StopInjectedCrashes();
    Network& network = cluster_->network();
    network.Heal();
    NetworkOptions calm = network.options();
    calm.drop_per_mille = 0;
    calm.duplicate_per_mille = 0;
    network.SetOptions(calm);
    cluster_->Note("liveness phase: the network heals and calms, crashed nodes restart");
    for (NodeId id : cluster_->node_ids()) {
        cluster_->Restart(id);
    }
}

}  // namespace keel::sim
