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

// One seeded run: a workload of random steps against a Wal on a simulated disk, and the model.
class Workload {
public:
    explicit Workload(uint64_t seed) : rng_(seed), fs_(seed) {}

    void Run() {
        ASSERT_NO_FATAL_FAILURE(Reopen());
        for (step_ = 0; step_ < kStepsPerSeed; ++step_) {
            const uint64_t dice = rng_.Uniform(100);
            if (dice < 45) {
                ASSERT_NO_FATAL_FAILURE(AppendStep());
            } else if (dice < 60) {
                ASSERT_NO_FATAL_FAILURE(HardStateStep());
            } else if (dice < 66) {
                ASSERT_NO_FATAL_FAILURE(SnapshotStep());
            } else if (dice < 90) {
                ASSERT_NO_FATAL_FAILURE(SyncStep());
            } else {
                ASSERT_NO_FATAL_FAILURE(CrashStep());
            }
            wal_->CheckInvariants();
        }
        EXPECT_GT(crashes_, 10);
    }

private:
    // Records the model's state after one record-level write.
    void Wrote() { candidates_.push_back(model_); }

    // Appends 1..4 entries, sometimes replacing an uncommitted suffix in a new term.
    void AppendStep() {
        Index from = model_.last_index().Next();
        if (rng_.Chance(1, 5) && model_.last_index() > model_.hard_state.commit) {
            const Index floor = std::max(model_.hard_state.commit, model_.first_index().Prev());
            from = Index(rng_.Range(floor.Next().value(), model_.last_index().value()));
            term_ = term_.Next();
        }
        std::vector<raft::Entry> entries;
        const uint64_t count = rng_.Range(1, 4);
        for (uint64_t i = 0; i < count; ++i) {
            const std::string data(rng_.Range(1, 300), static_cast<char>('a' + i));
            entries.push_back(testing::MakeEntry((from + i).value(), term_.value(), data));
        }
        ASSERT_TRUE(wal_->Append(entries).ok());
        for (const raft::Entry& entry : entries) {
            model_.Append(entry);
            Wrote();
        }
    }

    void HardStateStep() {
        raft::HardState hs = model_.hard_state;
        hs.term = term_;
        hs.voted_for = NodeId(rng_.Range(0, 3));
        hs.commit = Index(rng_.Range(hs.commit.value(), model_.last_index().value()));
        ASSERT_TRUE(wal_->SaveHardState(hs).ok());
        if (hs != model_.hard_state) {
            model_.hard_state = hs;
            Wrote();
        }
    }

    // Compaction up to the commit index, or the install of a leader's newer snapshot.
    void SnapshotStep() {
        raft::SnapshotMeta meta;
        if (rng_.Chance(1, 3)) {
            term_ = term_.Next();
            meta = {.index = model_.last_index() + rng_.Range(1, 30), .term = term_};
        } else if (model_.hard_state.commit >= model_.first_index()) {
            meta.index =
                Index(rng_.Range(model_.first_index().value(), model_.hard_state.commit.value()));
            meta.term = model_.entries[meta.index - model_.first_index()].term;
        } else {
            return;
        }
        ASSERT_TRUE(wal_->SaveSnapshot(meta).ok());
        model_.Snapshot(meta);
        Wrote();
        if (model_.hard_state.commit < meta.index) {
            model_.hard_state.commit = meta.index;
            ASSERT_TRUE(wal_->SaveHardState(model_.hard_state).ok());
            Wrote();
        }
    }

    void SyncStep() {
        ASSERT_TRUE(wal_->Sync().ok());
        candidates_ = {model_};
        if (model_.snapshot.has_value() && rng_.Chance(1, 2)) {
            ASSERT_TRUE(wal_->ReleaseTo(model_.snapshot->index).ok());
        }
    }

    // Crashes the disk and checks that recovery yields one of the candidate states.
    void CrashStep() {
        wal_.reset();
        fs_.Crash(rng_.Chance(1, 2) ? sim::CrashMode::kTear : sim::CrashMode::kDropUnsynced);
        ++crashes_;
        ASSERT_NO_FATAL_FAILURE(Reopen());
        size_t match = candidates_.size();
        for (size_t i = 0; i < candidates_.size(); ++i) {
            if (candidates_[i].Matches(recovered_)) {
                match = i;
            }
        }
        ASSERT_LT(match, candidates_.size())
            << "step " << step_ << ": recovered " << recovered_.entries.size()
            << " entries, not a prefix of the writes since the last sync";
        model_ = candidates_[match];
        candidates_ = {model_};
        term_ = std::max(term_, model_.hard_state.term);
        for (const raft::Entry& entry : model_.entries) {
            term_ = std::max(term_, entry.term);
        }
    }

    void Reopen() {
        auto opened = Wal::Open(fs_, kDir, WalOptions{.segment_bytes = 4096});
        ASSERT_TRUE(opened.ok()) << "step " << step_ << ": " << opened.status();
        wal_ = std::move(opened->wal);
        recovered_ = std::move(opened->contents);
    }

    base::Rng rng_;
    sim::SimFileSystem fs_;
    std::unique_ptr<Wal> wal_;
    WalContents recovered_;
    Model model_;
    // The model after each record-level write since the last successful sync; [0] is the
    // durable state.
    std::vector<Model> candidates_ = {Model{}};
    Term term_{1};
    int step_ = 0;
    int crashes_ = 0;
};

class WalPropertyTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(WalPropertyTest, RecoveryYieldsAPrefixOfTheWritesEndingAfterTheLastSync) {
    SCOPED_TRACE(::testing::Message() << "seed " << GetParam());
    Workload(GetParam()).Run();
}

INSTANTIATE_TEST_SUITE_P(Seeds, WalPropertyTest, ::testing::Range<uint64_t>(1, kSeeds + 1));

}  // namespace
}  // namespace keel::storage
