#include "sim/fault_schedule.h"

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "sim/partition.h"

namespace keel::sim {

FaultSchedule::FaultSchedule(const SwarmOptions& swarm, Cluster* cluster, base::Rng rng)
    : swarm_(swarm), cluster_(cluster), rng_(rng) {
    KEEL_ASSERT(cluster_ != nullptr);
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
    const NodeId id = ids[rng_.Uniform(ids.size())];
    if (cluster_->IsUp(id)) {
        cluster_->Crash(id);
    } else {
        cluster_->Restart(id);
    }
}

void FaultSchedule::HealAll() {
    healed_ = true;
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
