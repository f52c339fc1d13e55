// Cluster: N simulated Raft servers in one process, driven by one event queue.
//
// Each server is a real raft::RawNode with a NodeStorage, a StateMachine and its own tick
// period (clock skew). The cluster runs the Ready loop exactly as raw_node.h prescribes:
// persist (syncing when must_sync), send through the simulated Network, apply, Advance, and
// calls CheckInvariants() after every Step and Advance. Everything it observes goes to the
// checkers (src/sim/checkers), which report into one ViolationLog.
//
// The Workload and the FaultSchedule act through the public operations below; the Simulator
// pops events with Step() and receives its own timers back.
//
// Owned by the simulator; single-threaded.
//
// Invariant: a node is up iff it has a RawNode; a down node receives no message and no tick.
// Invariant: each node's ticks come from one chain of events tagged with its incarnation, so
//            a restarted node never receives the ticks of its previous life.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/rng.h"
#include "raft/raw_node.h"
#include "sim/checkers/commit_checker.h"
#include "sim/checkers/durability_checker.h"
#include "sim/checkers/election_safety_checker.h"
#include "sim/checkers/leader_completeness_checker.h"
#include "sim/checkers/log_matching_checker.h"
#include "sim/checkers/read_index_checker.h"
#include "sim/checkers/session_checker.h"
#include "sim/checkers/state_machine_safety_checker.h"
#include "sim/event_queue.h"
#include "sim/network.h"
#include "sim/node_storage.h"
#include "sim/session_command.h"
#include "sim/state_machine.h"
#include "sim/swarm_options.h"
#include "sim/trace.h"
#include "sim/violation.h"

namespace keel::sim {

// The kinds of timer the simulator schedules for itself.
enum class TimerKind : uint8_t {
    kWorkload = 0,
    kFault = 1,
    kLiveness = 2,
    kChurn = 3,
    kSessions = 4,
};

struct ClusterOptions {
    SwarmOptions swarm;
    raft::Config::TestingKnobs testing;
    TraceLines trace_lines = TraceLines::kHashOnly;
    // Deliberate operator error, for teeth tests: a node that refuses to start on a corrupt
    // disk gets its disk wiped and restarts empty, with its old identity (amnesia).
    bool unsafe_restart_corrupt_nodes_empty = false;
    // Deliberate bug, for teeth tests: the state machine executes every retransmission of a
    // session request instead of answering it from the session table.
    bool unsafe_execute_retransmissions = false;
};

// Makes the stable storage of node `id`, which bootstraps with `bootstrap` as its membership.
using StorageFactory =
    std::function<std::unique_ptr<NodeStorage>(NodeId id, const raft::ConfState& bootstrap)>;

struct ClusterStats {
    uint64_t proposals_accepted = 0;
    uint64_t conf_changes_accepted = 0;
    uint64_t crashes = 0;
    uint64_t restarts = 0;
    uint64_t snapshots_installed = 0;
    uint64_t compactions = 0;
    uint64_t reads_requested = 0;
    uint64_t reads_dropped = 0;
    uint64_t corruptions = 0;  // disks damaged while their node was down
    uint64_t quarantined = 0;  // nodes that then refused to start (DataLoss)
};

class Cluster {
public:
    Cluster(ClusterOptions options, StorageFactory storage_factory);
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    // Boots every node from its (empty) storage and schedules their ticks.
    void Start();

    // Runs the next event. Returns the timer it popped, if it was one of the simulator's.
    // Precondition: !idle().
    std::optional<TimerKind> Step();

    bool idle() const { return queue_.empty(); }

    uint64_t now_us() const { return queue_.now_us(); }

    void ScheduleTimer(uint64_t delay_us, TimerKind kind);

    // Faults.
    void Crash(NodeId id);
    // Restarts a down node from its durable state. A node whose disk was corrupted must fail
    // to load with DataLoss and then stays down for good (quarantined: it neither votes nor
    // acknowledges entries it no longer has); loading a corrupted disk successfully is a
    // violation ("storage-corruption-undetected").
    void Restart(NodeId id);
    // Crashes `id` if it is up, then damages its disk where the format claims to detect it
    // (NodeStorage::CorruptDurableData). Returns false if the disk had nothing to damage: the
    // node is then just crashed.
    bool CrashAndCorrupt(NodeId id, base::Rng& rng);

    // Ends the crashes the Ready loop injects itself (crash before sync): the liveness phase.
    void StopInjectedCrashes() { options_.swarm.crash_before_sync_per_mille = 0; }

    Network& network() { return network_; }

    // Client operations; each is a no-op on a down node.
    raft::ProposeResult Propose(NodeId id, std::string data);
    raft::ProposeResult ProposeConfChange(NodeId id, const raft::ConfChange& change);
    void ReadIndex(NodeId id);
    void TransferLeadership(NodeId id, NodeId transferee);
    void Compact(NodeId id);
    // A client session's request or registration, received by node `id`, which stamps its
    // clock, itself as the origin and a unique proposal number (SessionCommand) and proposes
    // it. When the origin applies the entry in the same incarnation, it answers the client
    // through the reply observer.
    raft::ProposeResult ProposeSessioned(NodeId id, SessionCommand command);

    void SetSessionReplyObserver(std::function<void(const SessionOutcome&)> observer) {
        session_reply_observer_ = std::move(observer);
    }

    // A client received `reply` (the session checker compares it with the execution).
    void ObserveSessionReply(const SessionOutcome& reply) { sessions_.ObserveReply(reply); }

    // Observations.
    const std::vector<NodeId>& node_ids() const { return node_ids_; }

    bool IsUp(NodeId id) const;
    bool IsQuarantined(NodeId id) const;
    // The up node that leads the highest term, if any.
    NodeId Leader() const;
    // The membership `id` has applied (its bootstrap one before any conf change).
    const raft::ConfState& conf_state(NodeId id) const;
    const StateMachine& state(NodeId id) const;
    raft::Role role(NodeId id) const;
    Term term(NodeId id) const;

    // Called whenever a node becomes leader (the fault schedule's leader churn listens).
    void SetLeaderObserver(std::function<void(NodeId, Term)> observer) {
        leader_observer_ = std::move(observer);
    }

    // Adds a line to the trace (the fault schedule and the simulator narrate through it).
    void Note(std::string line) { TraceLine(std::move(line)); }

    const ViolationLog& violations() const { return violations_; }

    const Trace& trace() const { return trace_; }

    const ClusterStats& stats() const { return stats_; }

    size_t terms_with_leader() const { return election_.terms_with_leader(); }

    Index committed_index() const { return commits_.committed_index(); }

    size_t acknowledged() const { return durability_.acknowledged(); }

    // Runs the durability checker's end-of-run check against node `id`'s state.
    void CheckFinalState(NodeId id);

    size_t reads_confirmed() const { return reads_.reads_confirmed(); }

    const SessionCheckerStats& session_stats() const { return sessions_.stats(); }

private:
    struct Node;

    struct Tick {
        NodeId id;
        uint64_t incarnation;
    };

    struct Delivery {
        raft::Message message;
    };

    struct SnapshotReport {
        NodeId leader;
        NodeId peer;
        raft::SnapshotStatus status;
    };

    using Event = std::variant<Tick, Delivery, SnapshotReport, TimerKind>;

    Node& node(NodeId id);
    const Node& node(NodeId id) const;
    void Boot(Node& n);
    void Quarantine(Node& n, const absl::Status& load_error);
    void OnTick(const Tick& tick);
    void OnDelivery(const raft::Message& message);
    void OnSnapshotReport(const SnapshotReport& report);
    void ScheduleTick(const Node& n);

    // The Ready loop (raw_node.h steps 1-4) and its parts.
    void DrainReady(Node& n);
    bool Persist(Node& n, const raft::Ready& ready);
    void ObserveRole(Node& n, const raft::Ready& ready);
    void Send(std::vector<raft::Message> messages);
    bool Apply(Node& n, const raft::Ready& ready);
    bool InstallSnapshot(Node& n, const raft::Snapshot& snapshot);
    bool ApplyEntry(Node& n, const raft::Entry& entry);
    void PollLeaders();
    // A failed storage call, or Raft rejecting its own peers' messages or its recovered state,
    // is a violation ("raft-status"): the run stops there.
    bool Check(NodeId id, const absl::Status& status, const char* what);

    void TraceLine(std::string line) { trace_.Add(queue_.now_us(), line); }

    ClusterOptions options_;
    StorageFactory storage_factory_;
    raft::ConfState bootstrap_;
    std::vector<NodeId> node_ids_;
    std::vector<std::unique_ptr<Node>> nodes_;  // nodes_[i] has id node_ids_[i]
    EventQueue<Event> queue_;
    Network network_;
    Trace trace_;
    ClusterStats stats_;
    uint64_t read_sequence_ = 0;
    base::Rng rng_;  // the cluster's own fault decisions (crash before sync)
    std::function<void(NodeId, Term)> leader_observer_;
    std::function<void(const SessionOutcome&)> session_reply_observer_;
    uint64_t proposal_sequence_ = 0;

    ViolationLog violations_;
    ElectionSafetyChecker election_{&violations_};
    LogMatchingChecker logs_{&violations_};
    CommitChecker commits_{&violations_, &logs_};
    LeaderCompletenessChecker completeness_{&violations_, &logs_, &commits_};
    StateMachineSafetyChecker state_machines_{&violations_};
    DurabilityChecker durability_{&violations_};
    ReadIndexChecker reads_{&violations_};
    SessionChecker sessions_{&violations_};
};

}  // namespace keel::sim
