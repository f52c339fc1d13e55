#include "sim/cluster.h"

#include <utility>

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "sim/cluster_node.h"

namespace keel::sim {
namespace {

std::string Describe(const raft::Message& m) {
    return absl::StrFormat("%d->%d type=%d term=%d index=%d log_term=%d entries=%d commit=%d%s",
                           m.from.value(),
                           m.to.value(),
                           static_cast<int>(m.type),
                           m.term.value(),
                           m.index.value(),
                           m.log_term.value(),
                           m.entries.size(),
                           m.commit.value(),
                           m.reject ? " reject" : "");
}

}  // namespace

Cluster::Cluster(ClusterOptions options, StorageFactory storage_factory)
    : options_(std::move(options)),
      storage_factory_(std::move(storage_factory)),
      network_(options_.swarm.network, base::Rng(options_.swarm.seed ^ 0x6e65'7477'6f72'6bULL)),
      trace_(options_.trace_lines),
      rng_(options_.swarm.seed ^ 0x636c'7573'7465'72ULL) {
    const SwarmOptions& swarm = options_.swarm;
    KEEL_ASSERT(static_cast<int>(swarm.tick_period_us.size()) == swarm.node_count);
    for (int i = 0; i < swarm.node_count; ++i) {
        node_ids_.push_back(NodeId(static_cast<uint64_t>(i) + 1));
        bootstrap_.voters.push_back(node_ids_.back());
    }
    for (int i = 0; i < swarm.node_count; ++i) {
        auto n = std::make_unique<Node>();
        n->id = node_ids_[static_cast<size_t>(i)];
        n->tick_period_us = swarm.tick_period_us[static_cast<size_t>(i)];
        n->storage = storage_factory_(n->id, bootstrap_);
        nodes_.push_back(std::move(n));
    }
}

Cluster::~Cluster() = default;

void Cluster::Start() {
    for (auto& n : nodes_) {
        Boot(*n);
    }
}

std::optional<TimerKind> Cluster::Step() {
    Event event = queue_.Pop();
    std::optional<TimerKind> timer;
    if (const auto* tick = std::get_if<Tick>(&event)) {
        OnTick(*tick);
    } else if (auto* delivery = std::get_if<Delivery>(&event)) {
        OnDelivery(delivery->message);
    } else if (const auto* report = std::get_if<SnapshotReport>(&event)) {
        OnSnapshotReport(*report);
    } else {
        timer = std::get<TimerKind>(event);
    }
    PollLeaders();
    return timer;
}

void Cluster::ScheduleTimer(uint64_t delay_us, TimerKind kind) {
    queue_.PushAfter(delay_us, kind);
}

void Cluster::Crash(NodeId id) {
    Node& n = node(id);
    if (n.raw == nullptr) {
        return;
    }
    TraceLine(absl::StrFormat("node %d crashes", id.value()));
    ++stats_.crashes;
    n.storage->Crash();
    n.raw.reset();
    n.state = StateMachine();
    ++n.incarnation;
    network_.SetNodeUp(id, false);
}

void Cluster::Restart(NodeId id) {
    Node& n = node(id);
    if (n.raw != nullptr || n.quarantined) {
        return;
    }
    ++stats_.restarts;
    Boot(n);
}

bool Cluster::CrashAndCorrupt(NodeId id, base::Rng& rng) {
    Crash(id);
    Node& n = node(id);
    const std::optional<std::string> damage = n.storage->CorruptDurableData(rng);
    if (!damage.has_value()) {
        return false;
    }
    TraceLine(absl::StrFormat("node %d's disk corrupts: %s", id.value(), *damage));
    ++stats_.corruptions;
    n.corrupted = true;
    return true;
}

// A node that finds its disk corrupt stays down: it has lost entries it may have
// acknowledged and votes it may have cast, so letting it vote or acknowledge again could
// undo a commit. (Repair from peers would bring it back; until then, an operator decides.)
void Cluster::Quarantine(Node& n, const absl::Status& load_error) {
    if (options_.unsafe_restart_corrupt_nodes_empty) {
        TraceLine(absl::StrFormat("node %d: operator wipes the corrupt disk and restarts it empty",
                                  n.id.value()));
        n.storage = storage_factory_(n.id, bootstrap_);
        n.corrupted = false;
        Boot(n);
        return;
    }
    TraceLine(absl::StrFormat(
        "node %d refuses to start: %s", n.id.value(), std::string(load_error.message())));
    ++stats_.quarantined;
    n.quarantined = true;
}

// Rebuilds a node from its durable state only (raft::Restored plus the snapshot image).
void Cluster::Boot(Node& n) {
    absl::StatusOr<Recovered> recovered = n.storage->Load();
    if (n.corrupted && absl::IsDataLoss(recovered.status())) {
        Quarantine(n, recovered.status());
        return;
    }
    if (n.corrupted && recovered.ok()) {
        violations_.Report("storage-corruption-undetected",
                           absl::StrFormat("node %d loaded a disk with a flipped bit",
                                           n.id.value()));
        return;
    }
    if (!Check(n.id, recovered.status(), "load")) {
        return;
    }
    const raft::Restored& restored = recovered->restored;
    n.state = StateMachine();
    if (!recovered->snapshot_data.empty()) {
        absl::StatusOr<StateMachine> image = StateMachine::Decode(recovered->snapshot_data);
        if (!Check(n.id, image.status(), "decode snapshot")) {
            return;
        }
        n.state = *std::move(image);
        state_machines_.ObserveSnapshot(n.id, n.state.applied_index(), n.state.chain());
    }
    n.conf_state = restored.conf_state;
    n.snapshot_index = restored.snapshot.has_value() ? restored.snapshot->index : Index::None();
    n.written_commit = restored.hard_state.commit;
    logs_.Reset(n.id, restored.snapshot, restored.entries);
    commits_.ObserveRestart(n.id, restored.hard_state.commit);

    raft::Config config;
    config.id = n.id;
    config.rng_seed = options_.swarm.seed * 1'000'003 + n.id.value() * 7'919 + n.incarnation;
    config.pre_vote = options_.swarm.pre_vote;
    config.check_quorum = options_.swarm.check_quorum;
    config.append_bytes_max = options_.swarm.append_bytes_max;
    config.inflight_msgs_max = options_.swarm.inflight_msgs_max;
    config.testing = options_.testing;
    // Hand Raft the snapshot image too, so that a restarted leader can ship it to a lagging
    // follower without waiting for the next compaction.
    raft::Restored restored_with_image = restored;
    if (restored.snapshot.has_value()) {
        restored_with_image.snapshot_data = recovered->snapshot_data;
    }
    absl::StatusOr<std::unique_ptr<raft::RawNode>> raw =
        raft::RawNode::Create(config, std::move(restored_with_image));
    if (!Check(n.id, raw.status(), "restart")) {
        return;
    }
    n.raw = *std::move(raw);
    n.raw->CheckInvariants();
    network_.SetNodeUp(n.id, true);
    TraceLine(absl::StrFormat("node %d starts: term %d commit %d snapshot %d entries %d",
                              n.id.value(),
                              restored.hard_state.term.value(),
                              restored.hard_state.commit.value(),
                              n.snapshot_index.value(),
                              restored.entries.size()));
    ScheduleTick(n);
    DrainReady(n);
}

void Cluster::ScheduleTick(const Node& n) {
    queue_.PushAfter(n.tick_period_us, Tick{n.id, n.incarnation});
}

void Cluster::OnTick(const Tick& tick) {
    Node& n = node(tick.id);
    if (n.raw == nullptr || n.incarnation != tick.incarnation) {
        return;  // the chain of a previous life ends here
    }
    n.raw->Tick();
    n.raw->CheckInvariants();
    DrainReady(n);
    if (n.raw != nullptr) {
        ScheduleTick(n);  // the Ready loop may have crashed the node (crash before sync)
    }
}

void Cluster::OnDelivery(const raft::Message& message) {
    const bool snapshot = message.type == raft::MessageType::kSnapshot;
    if (!network_.CanDeliver(message.from, message.to)) {
        network_.CountUndeliverable();
        if (snapshot) {
            queue_.PushAfter(
                0, SnapshotReport{message.from, message.to, raft::SnapshotStatus::kFailed});
        }
        return;
    }
    Node& n = node(message.to);
    KEEL_ASSERT(n.raw != nullptr);  // the network delivers nothing to a down node
    TraceLine("recv " + Describe(message));
    if (!Check(n.id, n.raw->Step(message), "step")) {
        return;
    }
    n.raw->CheckInvariants();
    DrainReady(n);
    if (snapshot) {
        queue_.PushAfter(0,
                         SnapshotReport{message.from, message.to, raft::SnapshotStatus::kFinished});
    }
}

void Cluster::OnSnapshotReport(const SnapshotReport& report) {
    Node& n = node(report.leader);
    if (n.raw == nullptr) {
        return;
    }
    n.raw->ReportSnapshot(report.peer, report.status);
    n.raw->CheckInvariants();
    DrainReady(n);
}

}  // namespace keel::sim
