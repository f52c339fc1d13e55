#include "sim/simulator.h"

#include <memory>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/rng.h"
#include "sim/fault_schedule.h"
#include "sim/lying_node_storage.h"
#include "sim/memory_node_storage.h"
#include "sim/wal_node_storage.h"
#include "sim/workload.h"

namespace keel::sim {
namespace {

// The liveness phase checks for progress every few ticks and proposes a new marker when the
// last one has not led to progress after this many checks (its leader may have been deposed).
constexpr uint64_t kLivenessProbeTicks = 5;
constexpr int kMarkerProbesMax = 10;

StorageFactory MakeStorageFactory(const SimulatorOptions& options) {
    const StorageKind kind = options.storage;
    const uint64_t seed = options.seed;
    return [kind, seed](NodeId id, const raft::ConfState& bootstrap) {
        auto memory = std::make_unique<MemoryNodeStorage>(bootstrap);
        std::unique_ptr<NodeStorage> storage;
        if (kind == StorageKind::kMemory) {
            storage = std::move(memory);
        } else if (kind == StorageKind::kWal) {
            absl::StatusOr<std::unique_ptr<WalNodeStorage>> wal = WalNodeStorage::Create(
                {.disk_seed = seed * 31 + id.value(), .bootstrap = bootstrap});
            KEEL_ASSERT_MSG(
                wal.ok(), "formatting a simulated disk failed: %s", wal.status().ToString());
            storage = *std::move(wal);
        } else {
            storage = std::make_unique<LyingNodeStorage>(
                std::move(memory), base::Rng(seed * 31 + id.value()), LyingNodeStorage::Options{});
        }
        return storage;
    };
}

// Whether a majority of `voters` applied at least up to `index` (true for an empty set, as
// in a non-joint configuration's outgoing half).
bool AppliedByMajority(const Cluster& cluster, const std::vector<NodeId>& voters, Index index) {
    size_t applied = 0;
    for (NodeId id : voters) {
        if (cluster.IsUp(id) && cluster.state(id).applied_index() >= index) {
            ++applied;
        }
    }
    return voters.empty() || applied > voters.size() / 2;
}

// The liveness phase's probe. Progress means new commits: a quorum of the leader's
// configuration (both halves of a joint one) applies an index beyond the highest commit
// known when the network healed. The probe keeps a marker proposal in the log so that
// there is always something new to commit, and finishes explicit joint changes as an
// operator would (raw_node.h, kJointExplicit).
class LivenessProbe {
public:
    LivenessProbe(Cluster* cluster, Index committed_at_heal)
        : cluster_(cluster), target_(committed_at_heal.Next()) {}

    // True once the cluster made progress; otherwise nudges it and returns false.
    bool Progressed() {
        const NodeId leader = cluster_->Leader();
        if (leader.is_none()) {
            return false;
        }
        const raft::ConfState& conf = cluster_->conf_state(leader);
        if (AppliedByMajority(*cluster_, conf.voters, target_)
            && AppliedByMajority(*cluster_, conf.voters_outgoing, target_)) {
            return true;
        }
        if (!conf.voters_outgoing.empty() && !conf.auto_leave) {
            (void)cluster_->ProposeConfChange(leader, raft::ConfChange{});
        }
        if (marker_.empty() || ++probes_ > kMarkerProbesMax) {
            const std::string payload = absl::StrCat("live", ++sequence_);
            if (cluster_->Propose(leader, payload).ok()) {
                marker_ = payload;
                probes_ = 0;
            }
        }
        return false;
    }

private:
    Cluster* cluster_;
    Index target_;
    std::string marker_;
    int probes_ = 0;
    uint64_t sequence_ = 0;
};

void Dispatch(std::optional<TimerKind> timer,
              Workload& workload,
              FaultSchedule& faults,
              SessionClients* clients) {
    if (timer == TimerKind::kSessions) {
        KEEL_ASSERT(clients != nullptr);
        clients->OnTimer();
    } else if (timer == TimerKind::kWorkload) {
        workload.OnTimer();
    } else if (timer == TimerKind::kFault) {
        faults.OnTimer();
    } else if (timer == TimerKind::kChurn) {
        faults.OnChurnTimer();
    }
}

// Runs the liveness phase; returns false if the cluster made no progress in time.
bool RunLiveness(const SimulatorOptions& options,
                 Cluster& cluster,
                 Workload& workload,
                 FaultSchedule& faults,
                 SessionClients* clients,
                 RunResult* result) {
    faults.HealAll();
    workload.Calm();
    if (clients != nullptr) {
        clients->Calm();
    }
    const uint64_t start_us = cluster.now_us();
    const uint64_t deadline_us = start_us + options.liveness_ticks_max * kTickPeriodUs;
    LivenessProbe probe(&cluster, cluster.committed_index());
    cluster.ScheduleTimer(kLivenessProbeTicks * kTickPeriodUs, TimerKind::kLiveness);
    while (cluster.violations().empty() && !cluster.idle() && cluster.now_us() <= deadline_us) {
        const std::optional<TimerKind> timer = cluster.Step();
        ++result->steps_run;
        if (timer != TimerKind::kLiveness) {
            Dispatch(timer, workload, faults, clients);
            continue;
        }
        if (probe.Progressed()) {
            result->liveness_ticks = (cluster.now_us() - start_us) / kTickPeriodUs;
            return true;
        }
        cluster.ScheduleTimer(kLivenessProbeTicks * kTickPeriodUs, TimerKind::kLiveness);
    }
    return !cluster.violations().empty();  // a safety violation outranks the missing progress
}

// The end-of-run durability check, against the node that applied the most.
void CheckFinalState(Cluster& cluster) {
    NodeId best;
    Index best_applied;
    for (NodeId id : cluster.node_ids()) {
        if (cluster.IsUp(id) && cluster.state(id).applied_index() >= best_applied) {
            best = id;
            best_applied = cluster.state(id).applied_index();
        }
    }
    if (!best.is_none()) {
        cluster.CheckFinalState(best);
    }
}

void Collect(const Cluster& cluster, const FaultSchedule& faults, RunResult* result) {
    if (!cluster.violations().empty() && !result->violation.has_value()) {
        result->violation = cluster.violations().violations().front();
    }
    result->trace_hash = cluster.trace().hash();
    result->trace_lines = cluster.trace().lines();
    result->leaders_elected = cluster.terms_with_leader();
    result->committed = cluster.committed_index();
    result->acknowledged = cluster.acknowledged();
    result->reads_confirmed = cluster.reads_confirmed();
    result->stats = cluster.stats();
    result->partitions = faults.partitions();
    result->session_checker = cluster.session_stats();
}

}  // namespace

RunResult RunSeed(const SimulatorOptions& options) {
    RunResult result;
    result.swarm = ChooseSwarmOptions(options.seed, options.node_count);
    Cluster cluster(
        ClusterOptions{
            .swarm = result.swarm,
            .testing = options.testing,
            .trace_lines = options.trace_lines,
            .unsafe_restart_corrupt_nodes_empty = options.unsafe_restart_corrupt_nodes_empty,
            .unsafe_execute_retransmissions = options.unsafe_execute_retransmissions},
        MakeStorageFactory(options));
    base::Rng rng(options.seed);
    Workload workload(result.swarm, &cluster, rng.Fork());
    FaultSchedule faults(result.swarm, &cluster, rng.Fork());
    std::unique_ptr<SessionClients> clients;
    if (options.sessions) {
        clients = std::make_unique<SessionClients>(result.swarm, &cluster, rng.Fork());
    }
    cluster.Start();
    cluster.ScheduleTimer(1, TimerKind::kWorkload);
    cluster.ScheduleTimer(1, TimerKind::kFault);
    if (clients != nullptr) {
        cluster.ScheduleTimer(1, TimerKind::kSessions);
    }
    while (result.steps_run < options.steps && cluster.violations().empty() && !cluster.idle()) {
        Dispatch(cluster.Step(), workload, faults, clients.get());
        ++result.steps_run;
    }
    if (cluster.violations().empty()) {
        if (!RunLiveness(options, cluster, workload, faults, clients.get(), &result)) {
            result.violation =
                Violation{"liveness",
                          absl::StrFormat("no leader committed a new entry on a quorum within "
                                          "%d ticks of healing",
                                          options.liveness_ticks_max)};
        } else if (cluster.violations().empty()) {
            CheckFinalState(cluster);
        }
    }
    if (!cluster.violations().empty() || result.violation.has_value()) {
        result.violation_step = result.steps_run;
    }
    Collect(cluster, faults, &result);
    if (clients != nullptr) {
        result.session_clients = clients->stats();
    }
    return result;
}

std::string Summary(const SimulatorOptions& options, const RunResult& result) {
    const ClusterStats& s = result.stats;
    std::string out = absl::StrFormat(
        "seed=%d %s | steps=%d leaders=%d committed=%d acked=%d reads=%d crashes=%d "
        "partitions=%d confchanges=%d snapshots=%d compactions=%d corruptions=%d "
        "quarantined=%d liveness_ticks=%d violations=%d",
        options.seed,
        result.swarm.Describe(),
        result.steps_run,
        result.leaders_elected,
        result.committed.value(),
        result.acknowledged,
        result.reads_confirmed,
        s.crashes,
        result.partitions,
        s.conf_changes_accepted,
        s.snapshots_installed,
        s.compactions,
        s.corruptions,
        s.quarantined,
        result.liveness_ticks,
        result.ok() ? 0 : 1);
    if (options.sessions) {
        const SessionClientStats& c = result.session_clients;
        const SessionCheckerStats& k = result.session_checker;
        absl::StrAppendFormat(&out,
                              " | sessions: clients=%d opened=%d expired=%d requests=%d "
                              "sends=%d retransmissions=%d answered=%d abandoned=%d "
                              "executed=%d replayed=%d rejected=%d",
                              c.clients,
                              c.sessions_opened,
                              c.sessions_expired,
                              c.requests,
                              c.sends,
                              c.retransmissions,
                              c.answered,
                              c.abandoned,
                              k.executed,
                              k.replayed,
                              k.rejected);
    }
    return out;
}

std::string ReplayCommand(const SimulatorOptions& options) {
    std::string out = absl::StrFormat("keel-sim --seed %d", options.seed);
    if (options.node_count != 0) {
        absl::StrAppendFormat(&out, " --nodes %d", options.node_count);
    }
    if (options.steps != kDefaultSteps) {
        absl::StrAppendFormat(&out, " --steps %d", options.steps);
    }
    if (options.testing.unsafe_commit_previous_term_entries) {
        absl::StrAppend(&out, " --unsafe-commit-previous-term-entries");
    }
    if (options.testing.unsafe_skip_log_up_to_date_check) {
        absl::StrAppend(&out, " --unsafe-skip-log-up-to-date-check");
    }
    if (options.storage == StorageKind::kLying) {
        absl::StrAppend(&out, " --lying-disk");
    }
    if (options.storage == StorageKind::kWal) {
        absl::StrAppend(&out, " --wal");
    }
    if (options.unsafe_restart_corrupt_nodes_empty) {
        absl::StrAppend(&out, " --unsafe-restart-corrupt-nodes-empty");
    }
    if (options.sessions) {
        absl::StrAppend(&out, " --sessions");
    }
    if (options.unsafe_execute_retransmissions) {
        absl::StrAppend(&out, " --unsafe-execute-retransmissions");
    }
    return out;
}

std::string ViolationReport(const SimulatorOptions& options, const RunResult& result) {
    KEEL_ASSERT(result.violation.has_value());
    return absl::StrFormat("VIOLATION of %s: seed=%d step=%d: %s\n  replay: %s --trace",
                           result.violation->checker,
                           options.seed,
                           result.violation_step,
                           result.violation->detail,
                           ReplayCommand(options));
}

}  // namespace keel::sim
