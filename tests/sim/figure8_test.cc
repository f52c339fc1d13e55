// A directed run of the Raft paper's Figure 8 (§5.4.2) on the simulator's cluster harness:
// the fault schedule is scripted instead of drawn from a seed, so the one interleaving that
// separates the safe commit rule from the unsafe one happens every time. With
// Config::testing.unsafe_commit_previous_term_entries the checkers must report a violation;
// with the correct rule the same script must pass every checker. Election timeouts still
// vary with the seed, so the test sweeps a few seeds.
#include <memory>

#include <gtest/gtest.h>

#include "sim/cluster.h"
#include "sim/memory_node_storage.h"

namespace keel::sim {
namespace {

constexpr uint64_t kStepsMax = 200'000;
// Seeds vary the election timeouts, hence which node leads each stage.
constexpr uint64_t kSeeds = 20;
const NodeId kN1(1);
const NodeId kN2(2);
const NodeId kN3(3);

ClusterOptions Figure8Options(uint64_t seed, bool unsafe) {
    ClusterOptions options;
    // A scripted run: no fault comes from the seed, which only varies election timeouts.
    options.swarm = SwarmOptions{.seed = seed, .node_count = 3};
    options.swarm.tick_period_us = {kTickPeriodUs, kTickPeriodUs, kTickPeriodUs};
    options.swarm.network = NetworkOptions{.delay_min_us = 500, .delay_max_us = 2'000};
    options.swarm.pre_vote = true;
    options.swarm.check_quorum = true;
    // One entry per message and one message in flight: a follower acknowledges the old
    // entry before it has seen the new leader's no-op.
    options.swarm.append_bytes_max = 1;
    options.swarm.inflight_msgs_max = 1;
    options.trace_lines = TraceLines::kKeep;
    options.testing.allow_unsafe = unsafe;
    options.testing.unsafe_commit_previous_term_entries = unsafe;
    return options;
}

// Blocks every link to and from the nodes in `cut`.
Partition Isolating(std::initializer_list<NodeId> cut) {
    Partition partition;
    for (NodeId a : cut) {
        for (NodeId b : {kN1, kN2, kN3}) {
            if (a != b) {
                partition.blocked.insert({a, b});
                partition.blocked.insert({b, a});
            }
        }
    }
    return partition;
}

class Figure8 {
public:
    Figure8(uint64_t seed, bool unsafe)
        : cluster_(Figure8Options(seed, unsafe), [](NodeId, const raft::ConfState& bootstrap) {
              return std::make_unique<MemoryNodeStorage>(bootstrap);
          }) {
        cluster_.Start();
    }

    // Steps until `done` holds (true) or a checker fires or the budget runs out (false).
    template <typename Done>
    bool RunUntil(Done done) {
        ++stage_;
        for (uint64_t i = 0; i < kStepsMax && cluster_.violations().empty(); ++i) {
            if (done()) {
                return true;
            }
            (void)cluster_.Step();
        }
        return false;
    }

    // Plays the script; returns false if a stage could not be reached (the test then fails).
    bool Play() {
        Cluster& c = cluster_;
        // A leader L1 commits a first entry everywhere.
        if (!RunUntil([&] { return !c.Leader().is_none(); })) {
            return false;
        }
        l1_ = c.Leader();
        const Index base = c.Propose(l1_, "base").index;
        if (!RunUntil([&] { return AllApplied(base); })) {
            return false;
        }
        // L1, cut off, appends e at index i, which only it holds.
        c.network().SetPartition(Isolating({l1_}));
        index_ = c.Propose(l1_, "e").index;
        // The other two elect L2, which writes its no-op at i in a newer term, then crashes.
        if (!RunUntil([&] { return !c.Leader().is_none() && c.Leader() != l1_; })) {
            return false;
        }
        l2_ = c.Leader();
        n3_ = NodeId(6 - l1_.value() - l2_.value());
        // L2 stays cut off (its no-op must reach nobody) while L1 and n3 talk again.
        c.network().SetPartition(Isolating({l2_}));
        c.Crash(l2_);
        c.Crash(l1_);
        c.Restart(l1_);
        // L1 wins a third term with n3's vote and replicates e to n3. The moment L1 applies
        // exactly index i (committed by counting replicas), L1 is cut off and crashes,
        // before n3 receives the no-op of L1's term.
        if (!RunUntil([&] { return c.state(l1_).applied_index() >= index_; })) {
            return false;
        }
        c.network().SetPartition(Isolating({l1_}));
        c.Crash(l1_);
        // L2 returns; its entry at i has a newer term than n3's, so it wins and overwrites.
        c.Restart(l2_);
        return RunUntil([&] { return c.state(n3_).applied_index() > index_; });
    }

    const ViolationLog& violations() const { return cluster_.violations(); }

    // How many stages of the script were entered (for failure messages).
    int stage() const { return stage_; }

    const Trace& trace() const { return cluster_.trace(); }

private:
    bool AllApplied(Index index) const {
        for (NodeId id : {kN1, kN2, kN3}) {
            if (cluster_.state(id).applied_index() < index) {
                return false;
            }
        }
        return true;
    }

    Cluster cluster_;
    NodeId l1_;
    NodeId l2_;
    NodeId n3_;
    Index index_;
    int stage_ = 0;
};

TEST(SimTeeth, Figure8UnsafeCommitIsCaught) {
    for (uint64_t seed = 0; seed < kSeeds; ++seed) {
        Figure8 run(seed, /*unsafe=*/true);
        (void)run.Play();
        ASSERT_FALSE(run.violations().empty()) << "seed " << seed << ", stage " << run.stage();
        // The new leader lacks the entry committed by counting replicas (§5.4.2).
        EXPECT_EQ(run.violations().violations()[0].checker, "leader-completeness")
            << run.violations().violations()[0].detail;
    }
}

TEST(SimTeeth, Figure8WithTheCorrectRulePassesEveryChecker) {
    for (uint64_t seed = 0; seed < kSeeds; ++seed) {
        Figure8 run(seed, /*unsafe=*/false);
        EXPECT_TRUE(run.Play()) << "seed " << seed << " stuck in stage " << run.stage();
        EXPECT_TRUE(run.violations().empty())
            << "seed " << seed << ": " << run.violations().violations()[0].detail;
    }
}

}  // namespace
}  // namespace keel::sim
