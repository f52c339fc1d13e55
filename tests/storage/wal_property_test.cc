// Property test: the WAL against a deliberately simple model, under random crashes.
//
// A seeded random workload appends (with conflicting-suffix truncations), saves hard states,
// compacts and installs snapshots, syncs, releases segments, and crashes the simulated disk
// (dropping or tearing unsynced writes). After each crash the recovered state must equal the
// model's state after some prefix of the record-level operations issued since the last
// successful Sync(): everything synced survives, nothing is invented, and what survives of the
// unsynced tail is a prefix.
#include <vector>

#include <gtest/gtest.h>

#include "base/rng.h"
#include "sim/sim_file_system.h"
#include "storage/wal.h"
#include "storage_test_util.h"

namespace keel::storage {
namespace {

constexpr char kDir[] = "/wal";
constexpr int kStepsPerSeed = 400;
constexpr uint64_t kSeeds = 64;

// The durable state as the simplest possible code computes it.
struct Model {
    std::optional<raft::SnapshotMeta> snapshot;
    std::vector<raft::Entry> entries;  // contiguous, after the snapshot
    raft::HardState hard_state;

    Index first_index() const { return snapshot.has_value() ? snapshot->index.Next() : Index(1); }

    Index last_index() const { return first_index().Prev() + entries.size(); }

    void Append(const raft::Entry& entry) {
        entries.resize(entry.index - first_index());
        entries.push_back(entry);
    }

    void Snapshot(const raft::SnapshotMeta& meta) {
        const bool matches = meta.index >= first_index() && meta.index <= last_index()
                             && entries[meta.index - first_index()].term == meta.term;
        if (matches) {
            entries.erase(
                entries.begin(),
                entries.begin() + static_cast<ptrdiff_t>(meta.index.Next() - first_index()));
        } else {
            entries.clear();
        }
        snapshot = meta;
    }

    bool Matches(const WalContents& contents) const {
        return contents.entries == entries && contents.hard_state == hard_state
               && contents.snapshot == snapshot;
    }
};

class WalPropertyTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(WalPropertyTest, RecoveryYieldsAPrefixOfTheWritesEndingAfterTheLastSync) {
    const uint64_t seed = GetParam();
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    base::Rng rng(seed);
    sim::SimFileSystem fs(seed);
    const WalOptions options{.segment_bytes = 4096};
    auto opened = Wal::Open(fs, kDir, options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    std::unique_ptr<Wal> wal = std::move(opened->wal);

    Model model;
    // The model after each record-level write since the last successful sync; [0] is the
    // durable state.
    std::vector<Model> candidates = {model};
    Term term(1);
    int crashes = 0;
    for (int step = 0; step < kStepsPerSeed; ++step) {
        const uint64_t dice = rng.Uniform(100);
        if (dice < 45) {
            // Append 1..4 entries, sometimes replacing an uncommitted suffix with a new term.
            Index from = model.last_index().Next();
            if (rng.Chance(1, 5) && model.last_index() > model.hard_state.commit) {
                from = Index(rng.Range(
                    std::max(model.hard_state.commit, model.first_index().Prev()).Next().value(),
                    model.last_index().value()));
                term = term.Next();
            }
            const uint64_t count = rng.Range(1, 4);
            std::vector<raft::Entry> entries;
            for (uint64_t i = 0; i < count; ++i) {
                entries.push_back(testing::MakeEntry(
                    (from + i).value(), term.value(), std::string(rng.Range(1, 300), 'a' + i)));
            }
            ASSERT_TRUE(wal->Append(entries).ok());
            for (const raft::Entry& entry : entries) {
                model.Append(entry);
                candidates.push_back(model);
            }
        } else if (dice < 60) {
            raft::HardState hs = model.hard_state;
            hs.term = term;
            hs.voted_for = NodeId(rng.Range(0, 3));
            hs.commit = Index(rng.Range(hs.commit.value(), model.last_index().value()));
            ASSERT_TRUE(wal->SaveHardState(hs).ok());
            if (hs != model.hard_state) {
                model.hard_state = hs;
                candidates.push_back(model);
            }
        } else if (dice < 66) {
            // Compaction up to the commit index, or the install of a leader's newer snapshot.
            raft::SnapshotMeta meta;
            if (rng.Chance(1, 3)) {
                term = term.Next();
                meta = {.index = model.last_index() + rng.Range(1, 30), .term = term};
            } else if (model.hard_state.commit >= model.first_index()) {
                meta.index =
                    Index(rng.Range(model.first_index().value(), model.hard_state.commit.value()));
                meta.term = model.entries[meta.index - model.first_index()].term;
            } else {
                continue;
            }
            ASSERT_TRUE(wal->SaveSnapshot(meta).ok());
            model.Snapshot(meta);
            candidates.push_back(model);
            if (model.hard_state.commit < meta.index) {
                model.hard_state.commit = meta.index;
                ASSERT_TRUE(wal->SaveHardState(model.hard_state).ok());
                candidates.push_back(model);
            }
        } else if (dice < 90) {
            ASSERT_TRUE(wal->Sync().ok());
            candidates = {model};
            if (model.snapshot.has_value() && rng.Chance(1, 2)) {
                ASSERT_TRUE(wal->ReleaseTo(model.snapshot->index).ok());
            }
        } else {
            wal.reset();
            fs.Crash(rng.Chance(1, 2) ? sim::CrashMode::kTear : sim::CrashMode::kDropUnsynced);
            ++crashes;
            auto reopened = Wal::Open(fs, kDir, options);
            ASSERT_TRUE(reopened.ok()) << "step " << step << ": " << reopened.status();
            size_t match = candidates.size();
            for (size_t i = 0; i < candidates.size(); ++i) {
                if (candidates[i].Matches(reopened->contents)) {
                    match = i;
                }
            }
            ASSERT_LT(match, candidates.size())
                << "step " << step << ": recovered " << reopened->contents.entries.size()
                << " entries, not a prefix of the writes since the last sync";
            model = candidates[match];
            candidates = {model};
            term = std::max(term, model.hard_state.term);
            for (const raft::Entry& entry : model.entries) {
                term = std::max(term, entry.term);
            }
            wal = std::move(reopened->wal);
        }
        wal->CheckInvariants();
    }
    EXPECT_GT(crashes, 10);
}

INSTANTIATE_TEST_SUITE_P(Seeds, WalPropertyTest, ::testing::Range<uint64_t>(1, kSeeds + 1));

}  // namespace
}  // namespace keel::storage
