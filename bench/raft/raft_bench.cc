// Committed entries per second through three in-memory Raft nodes in one thread: no disk, no
// network, messages delivered in-process. Measures the protocol core's own cost (log
// bookkeeping, flow control, quorum, Ready assembly), i.e. the ceiling the rest of keel
// builds under.
//
//   build-raft/bench/raft/raft_bench --benchmark_min_time=2

#include <memory>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "base/assert.h"
#include "raft/raw_node.h"

namespace keel::raft {
namespace {

// Proposals handed to the leader per round before messages are pumped.
constexpr int kBatchEntries = 64;
// Nodes compact their logs every this many applied entries, keeping memory flat.
constexpr uint64_t kCompactEveryEntries = 4096;
// A round that has not committed after this many pumps indicates a bug, not slowness.
constexpr int kPumpsPerRoundMax = 64;

class Cluster {
public:
    Cluster() {
        const ConfState conf{.voters = {NodeId(1), NodeId(2), NodeId(3)}};
        for (uint64_t id = 1; id <= 3; ++id) {
            Config config;
            config.id = NodeId(id);
            config.rng_seed = id;
            auto node = RawNode::Create(config, Restored{.conf_state = conf});
            KEEL_ASSERT(node.ok());
            nodes_.push_back(*std::move(node));
        }
        leader().Campaign();
        while (Pump()) {
        }
        KEEL_ASSERT(leader().role() == Role::kLeader);
    }

    RawNode& leader() { return *nodes_[0]; }

    Index leader_commit() const { return leader_commit_; }

    // Handles every node's Ready and delivers all messages once. Returns false when idle.
    bool Pump() {
        bool busy = false;
        for (size_t i = 0; i < nodes_.size(); ++i) {
            RawNode& node = *nodes_[i];
            if (!node.HasReady()) {
                continue;
            }
            busy = true;
            Ready ready = node.GetReady();
            for (Message& m : ready.messages) {
                inbox_.push_back(std::move(m));
            }
            Apply(i, ready);
            node.Advance();
        }
        std::vector<Message> deliver = std::move(inbox_);
        inbox_.clear();
        for (const Message& m : deliver) {
            busy = true;
            const absl::Status s = nodes_[m.to.value() - 1]->Step(m);
            KEEL_ASSERT(s.ok());
        }
        return busy;
    }

    // Hands each node that applied enough entries a snapshot, which compacts its log.
    void CompactIfDue() {
        for (size_t i = 0; i < nodes_.size(); ++i) {
            if (pending_compact_[i].index.is_none()) {
                continue;
            }
            const absl::Status s = nodes_[i]->Compact(Snapshot{.meta = pending_compact_[i]});
            KEEL_ASSERT(s.ok());
            pending_compact_[i] = SnapshotMeta{};
        }
    }

private:
    void Apply(size_t i, const Ready& ready) {
        if (i == 0 && ready.hard_state.has_value()) {
            leader_commit_ = ready.hard_state->commit;
        }
        if (ready.committed_entries.empty()) {
            return;
        }
        const Entry& last = ready.committed_entries.back();
        applied_since_compact_[i] += ready.committed_entries.size();
        if (applied_since_compact_[i] < kCompactEveryEntries) {
            return;
        }
        applied_since_compact_[i] = 0;
        // Compact() needs the entries applied, which Advance() records: do it after the pump.
        pending_compact_[i] = SnapshotMeta{.index = last.index,
                                           .term = last.term,
                                           .conf_state = nodes_[i]->GetStatus().conf_state};
    }

    std::vector<std::unique_ptr<RawNode>> nodes_;
    std::vector<Message> inbox_;
    Index leader_commit_;
    uint64_t applied_since_compact_[3] = {0, 0, 0};
    SnapshotMeta pending_compact_[3];
};

void BM_CommitThroughput(benchmark::State& state) {
    const std::string payload(static_cast<size_t>(state.range(0)), 'k');
    Cluster cluster;
    int64_t committed = 0;
    for (auto _ : state) {
        Index last;
        for (int i = 0; i < kBatchEntries; ++i) {
            const ProposeResult result = cluster.leader().Propose(payload);
            KEEL_ASSERT(result.ok());
            last = result.index;
        }
        for (int pump = 0; cluster.leader_commit() < last; ++pump) {
            KEEL_ASSERT(pump < kPumpsPerRoundMax);
            cluster.Pump();
        }
        cluster.CompactIfDue();
        committed += kBatchEntries;
    }
    state.SetItemsProcessed(committed);
    state.SetBytesProcessed(committed * state.range(0));
    state.counters["entries/s"] =
        benchmark::Counter(static_cast<double>(committed), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_CommitThroughput)->Arg(64)->Arg(1024)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace keel::raft

BENCHMARK_MAIN();
