// An in-memory cluster of RawNodes for scenario tests: each node has a simulated stable
// storage and state machine, messages travel through one FIFO network that the test controls
// (deliver, drop, partition), and every step prints a readable trace.
//
// Used by the datadriven scenarios (raft_scenario_test.cc) and the unit tests in
// raft_test.cc. Single-threaded; deterministic for a given sequence of calls.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/rng.h"
#include "raft/raw_node.h"

namespace keel::raft::testing {

// Formats a message as one line, e.g. `1->2 Append term=2 prev=1/3 commit=3 [2/4 "x"]`.
std::string FormatMessage(const Message& m);
std::string FormatEntry(const Entry& entry);
std::string FormatConf(const ConfState& conf);

// A node's durable state, as a real storage layer would keep it.
struct NodeStorage {
    HardState hard_state;
    std::optional<SnapshotMeta> snapshot;
    std::string snapshot_data;
    std::vector<Entry> entries;  // the log after the snapshot
};

struct EnvNode {
    Config config;
    ConfState bootstrap;
    std::unique_ptr<RawNode> raw;
    NodeStorage storage;
    // The state machine: the data of every applied non-empty normal entry with its index, in
    // order, and the configuration as of each applied conf change.
    std::vector<std::pair<Index, std::string>> applied_data;
    std::map<Index, ConfState> conf_history;
    // Every entry handed out for applying (not those covered by an installed snapshot).
    std::vector<Entry> applied_entries;
    Index applied;
    ConfState conf;
    std::vector<ReadState> read_states;
    std::vector<std::string> dropped_reads;
};

class InteractionEnv {
public:
    // Verbosity of the traces: kInfo prints role changes, applied entries, reads and
    // messages as they are delivered; kDebug also prints persisted state and Ready contents.
    enum class LogLevel {
        kNone,
        kInfo,
        kDebug
    };

    // Adds nodes with the next free ids, with the given bootstrap configuration (by default:
    // every added node is a voter). `tmpl` supplies timeouts and flags; ids and seeds are set
    // per node.
    void AddNodes(int count, const Config& tmpl, std::optional<ConfState> conf);

    EnvNode& node(NodeId id);

    bool has_node(NodeId id) const { return nodes_.contains(id); }

    std::vector<NodeId> ids() const;

    // Handles one Ready of `id` if it has one: persist, send (into the network), apply,
    // Advance. Returns false if there was none.
    bool ProcessReady(NodeId id);
    // Delivers every queued message addressed to one of `to` (all nodes if empty), in FIFO
    // order. Messages on a cut link are dropped (and printed as such). Returns the count.
    size_t DeliverMsgs(const std::vector<NodeId>& to);
    // For randomized tests: each queued message is dropped with probability
    // drop_percent/100, otherwise delivered with probability deliver_percent/100, otherwise
    // kept for later (which reorders it behind newer messages). Returns the count delivered.
    size_t DeliverRandom(base::Rng& rng, int drop_percent, int deliver_percent);
    // Drops every queued message from `from` to `to` (0 = any).
    size_t DropMsgs(NodeId from, NodeId to);
    // Repeats ProcessReady and DeliverMsgs on `ids` (all if empty) until nothing changes.
    void Stabilize(const std::vector<NodeId>& ids);

    // Link control: a cut link drops messages in both directions at delivery.
    void Cut(NodeId a, NodeId b);
    void Isolate(NodeId id);
    void Heal();

    // Crashes `id` and restarts it from its storage (un-persisted state is lost).
    void Restart(NodeId id);

    // The application of `id` takes a snapshot at `index` (<= applied), stores it and hands
    // it to Raft, which compacts its log.
    absl::Status Compact(NodeId id, Index index);

    // Ticks `id` `n` times.
    void Tick(NodeId id, int n);

    std::string Status(NodeId id) const;
    std::string RaftLog(NodeId id) const;

    void set_log_level(LogLevel level) { level_ = level; }

    // The trace printed since the last call.
    std::string TakeOutput() { return std::exchange(out_, {}); }

    void Print(const std::string& line);

    size_t pending_messages() const { return network_.size(); }

private:
    void Persist(EnvNode& n, const Ready& ready);
    void Apply(EnvNode& n, const Ready& ready);
    void PrintReady(NodeId id, const Ready& ready);
    bool LinkCut(NodeId a, NodeId b) const;
    // Like a transport, tells the sender of a snapshot whether it arrived.
    void ReportSnapshotOutcome(const Message& m, SnapshotStatus status);

    std::map<NodeId, EnvNode> nodes_;
    std::deque<Message> network_;
    std::set<std::pair<NodeId, NodeId>> cut_;
    LogLevel level_ = LogLevel::kInfo;
    std::string out_;
};

// The snapshot payload of the test state machine: its applied data up to `index`, one
// "index:data" per line.
std::string EncodeStateMachine(const EnvNode& n, Index index);
std::vector<std::pair<Index, std::string>> DecodeStateMachine(const std::string& payload);

// Builds the snapshot `n` would take at `index` (meaningful only up to its applied index).
Snapshot TakeSnapshot(const EnvNode& n, Index index);

}  // namespace keel::raft::testing
