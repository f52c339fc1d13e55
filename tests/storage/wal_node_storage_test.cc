// WalNodeStorage (the simulator's WAL-backed node storage) against MemoryNodeStorage, the
// simulator's reference model, under the same seeded random writes and crashes.
#include "sim/wal_node_storage.h"

#include <gtest/gtest.h>

#include "base/rng.h"
#include "sim/memory_node_storage.h"
#include "storage_test_util.h"

namespace keel::sim {
namespace {

constexpr int kSteps = 300;

raft::ConfState Bootstrap() {
    raft::ConfState conf;
    conf.voters = {NodeId(1), NodeId(2), NodeId(3)};
    return conf;
}

void ExpectSameRecovery(NodeStorage& model, NodeStorage& wal, int step) {
    auto expected = model.Load();
    auto actual = wal.Load();
    ASSERT_TRUE(expected.ok()) << expected.status();
    ASSERT_TRUE(actual.ok()) << "step " << step << ": " << actual.status();
    EXPECT_EQ(actual->restored.hard_state, expected->restored.hard_state) << "step " << step;
    EXPECT_EQ(actual->restored.snapshot, expected->restored.snapshot) << "step " << step;
    EXPECT_EQ(actual->restored.entries, expected->restored.entries) << "step " << step;
    EXPECT_EQ(actual->restored.conf_state, expected->restored.conf_state) << "step " << step;
    EXPECT_EQ(actual->restored.applied, expected->restored.applied) << "step " << step;
    EXPECT_EQ(actual->snapshot_data, expected->snapshot_data) << "step " << step;
}

class WalNodeStorageTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(WalNodeStorageTest, RecoversWhatTheReferenceModelRecovers) {
    const uint64_t seed = GetParam();
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    base::Rng rng(seed);
    MemoryNodeStorage model(Bootstrap());
    auto created = WalNodeStorage::Create({.disk_seed = seed,
                                           .bootstrap = Bootstrap(),
                                           .wal = {.segment_bytes = 4096},
                                           .crash_mode = CrashMode::kDropUnsynced});
    ASSERT_TRUE(created.ok()) << created.status();
    WalNodeStorage& wal = **created;
    uint64_t last = 0;
    uint64_t snapshot_index = 0;
    raft::HardState hs;
    Term term(1);
    std::vector<uint64_t> terms = {0};  // terms[i]: the term of the entry at index i
    for (int step = 0; step < kSteps; ++step) {
        const uint64_t dice = rng.Uniform(100);
        if (dice < 45) {
            uint64_t from = last + 1;
            if (rng.Chance(1, 4) && last > hs.commit.value() && last > snapshot_index) {
                from = rng.Range(std::max(hs.commit.value(), snapshot_index) + 1, last);
                term = term.Next();
            }
            const auto entries =
                storage::testing::MakeEntries(from, from + rng.Range(0, 5), term.value(), 40);
            const absl::Status modeled = model.Append(entries);
            ASSERT_TRUE(modeled.ok()) << "step " << step << ": " << modeled;
            const absl::Status appended = wal.Append(entries);
            ASSERT_TRUE(appended.ok()) << "step " << step << ": " << appended;
            last = entries.back().index.value();
            terms.resize(last + 1, term.value());
            for (const raft::Entry& entry : entries) {
                terms[entry.index.value()] = entry.term.value();
            }
        } else if (dice < 65) {
            hs = {.term = term,
                  .voted_for = NodeId(1),
                  .commit = Index(rng.Range(hs.commit.value(), last))};
            ASSERT_TRUE(model.SetHardState(hs).ok());
            ASSERT_TRUE(wal.SetHardState(hs).ok());
        } else if (dice < 72) {
            // Compaction at or below the commit index (the log continues it), or the install
            // of a leader's snapshot beyond it, in a newer term (the log is discarded).
            raft::Snapshot snapshot;
            snapshot.meta.conf_state = Bootstrap();
            const bool compact = dice < 68 && hs.commit.value() > snapshot_index;
            if (compact) {
                snapshot.meta.index = Index(rng.Range(snapshot_index + 1, hs.commit.value()));
                snapshot.meta.term = Term(terms[snapshot.meta.index.value()]);
            } else {
                term = term.Next();
                snapshot.meta.index = Index(hs.commit.value() + rng.Range(1, 10));
                snapshot.meta.term = term;
            }
            snapshot.data = "state@" + std::to_string(snapshot.meta.index.value());
            ASSERT_TRUE(model.SaveSnapshot(snapshot).ok());
            ASSERT_TRUE(wal.SaveSnapshot(snapshot).ok());
            snapshot_index = snapshot.meta.index.value();
            if (!compact) {
                last = snapshot_index;
                terms.resize(last + 1, term.value());
                hs.commit = snapshot.meta.index;
                hs.term = term;
                ASSERT_TRUE(model.SetHardState(hs).ok());
                ASSERT_TRUE(wal.SetHardState(hs).ok());
            }
        } else if (dice < 92) {
            ASSERT_TRUE(model.Sync().ok());
            ASSERT_TRUE(wal.Sync().ok());
        } else {
            model.Crash();
            wal.Crash();
            ExpectSameRecovery(model, wal, step);
            auto reloaded = model.Load();
            ASSERT_TRUE(reloaded.ok());
            const raft::Restored& r = reloaded->restored;
            hs = r.hard_state;
            snapshot_index = r.snapshot.has_value() ? r.snapshot->index.value() : 0;
            last = r.entries.empty() ? snapshot_index : r.entries.back().index.value();
            term = std::max(term, hs.term);
            terms.resize(last + 1, 0);
            for (const raft::Entry& entry : r.entries) {
                terms[entry.index.value()] = entry.term.value();
                term = std::max(term, entry.term);
            }
        }
    }
    ASSERT_TRUE(model.Sync().ok());
    ASSERT_TRUE(wal.Sync().ok());
    model.Crash();
    wal.Crash();
    ExpectSameRecovery(model, wal, kSteps);
}

INSTANTIATE_TEST_SUITE_P(Seeds, WalNodeStorageTest, ::testing::Range<uint64_t>(1, 17));

TEST(WalNodeStorage, TornCrashesAlwaysRecover) {
    // With torn crashes the recovered state is some prefix of the writes (wal_property_test
    // checks which); here: recovery never fails and the node can always continue.
    for (uint64_t seed = 1; seed <= 8; ++seed) {
        auto created = WalNodeStorage::Create(
            {.disk_seed = seed, .bootstrap = Bootstrap(), .wal = {.segment_bytes = 4096}});
        ASSERT_TRUE(created.ok());
        WalNodeStorage& wal = **created;
        uint64_t last = 0;
        for (int round = 0; round < 20; ++round) {
            ASSERT_TRUE(wal.Append(storage::testing::MakeEntries(last + 1, last + 7, 1, 90)).ok());
            ASSERT_TRUE(wal.SetHardState({.term = Term(1), .commit = Index(last + 7)}).ok());
            if (round % 3 != 2) {
                ASSERT_TRUE(wal.Sync().ok());
            }
            wal.Crash();
            auto loaded = wal.Load();
            ASSERT_TRUE(loaded.ok())
                << "seed " << seed << " round " << round << ": " << loaded.status();
            const auto& entries = loaded->restored.entries;
            last = entries.empty() ? 0 : entries.back().index.value();
            EXPECT_LE(loaded->restored.hard_state.commit.value(), last);
        }
    }
}

}  // namespace
}  // namespace keel::sim
