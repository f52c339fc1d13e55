#include "sim/memory_node_storage.h"

#include <memory>

#include <gtest/gtest.h>

#include "sim/lying_node_storage.h"

namespace keel::sim {
namespace {

raft::Entry MakeEntry(uint64_t index, uint64_t term, std::string data = "x") {
    return raft::Entry{.term = Term(term), .index = Index(index), .data = std::move(data)};
}

raft::ConfState Voters123() {
    return raft::ConfState{.voters = {NodeId(1), NodeId(2), NodeId(3)}};
}

std::vector<uint64_t> Indexes(const Recovered& recovered) {
    std::vector<uint64_t> out;
    for (const raft::Entry& entry : recovered.restored.entries) {
        out.push_back(entry.index.value());
    }
    return out;
}

TEST(MemoryNodeStorage, FreshStorageLoadsBootstrapConfiguration) {
    MemoryNodeStorage storage(Voters123());
    absl::StatusOr<Recovered> loaded = storage.Load();
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(loaded->restored.conf_state, Voters123());
    EXPECT_TRUE(loaded->restored.entries.empty());
    EXPECT_FALSE(loaded->restored.snapshot.has_value());
    EXPECT_EQ(loaded->restored.applied, Index::None());
}

TEST(MemoryNodeStorage, CrashLosesExactlyTheWritesAfterTheLastSync) {
    MemoryNodeStorage storage(Voters123());
    ASSERT_TRUE(storage.Append({MakeEntry(1, 1), MakeEntry(2, 1)}).ok());
    ASSERT_TRUE(storage.SetHardState({.term = Term(1), .voted_for = NodeId(2)}).ok());
    ASSERT_TRUE(storage.Sync().ok());
    ASSERT_TRUE(storage.Append({MakeEntry(3, 1)}).ok());
    ASSERT_TRUE(storage.SetHardState({.term = Term(2), .voted_for = NodeId(3)}).ok());
    EXPECT_EQ(storage.pending_write_count(), 2u);
    storage.Crash();
    absl::StatusOr<Recovered> loaded = storage.Load();
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(Indexes(*loaded), (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(loaded->restored.hard_state.term, Term(1));
    EXPECT_EQ(loaded->restored.hard_state.voted_for, NodeId(2));
}

TEST(MemoryNodeStorage, AppendReplacesTheConflictingSuffix) {
    MemoryNodeStorage storage(Voters123());
    ASSERT_TRUE(storage.Append({MakeEntry(1, 1), MakeEntry(2, 1), MakeEntry(3, 1)}).ok());
    ASSERT_TRUE(storage.Append({MakeEntry(2, 2, "y")}).ok());
    ASSERT_TRUE(storage.Sync().ok());
    absl::StatusOr<Recovered> loaded = storage.Load();
    ASSERT_TRUE(loaded.ok());
    ASSERT_EQ(Indexes(*loaded), (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(loaded->restored.entries[1], MakeEntry(2, 2, "y"));
}

TEST(MemoryNodeStorage, AppendRejectsGapsAndNonContiguousBatches) {
    MemoryNodeStorage storage(Voters123());
    EXPECT_EQ(storage.Append({MakeEntry(2, 1)}).code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(storage.Append({MakeEntry(1, 1), MakeEntry(3, 1)}).code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(storage.pending_write_count(), 0u);
}

TEST(MemoryNodeStorage, SnapshotThatMatchesTheLogKeepsTheSuffix) {
    MemoryNodeStorage storage(Voters123());
    ASSERT_TRUE(storage.Append({MakeEntry(1, 1), MakeEntry(2, 1), MakeEntry(3, 2)}).ok());
    raft::Snapshot snapshot{.meta = {.index = Index(2), .term = Term(1), .conf_state = {}},
                            .data = "state"};
    snapshot.meta.conf_state.voters = {NodeId(1)};
    ASSERT_TRUE(storage.SaveSnapshot(snapshot).ok());
    ASSERT_TRUE(storage.Sync().ok());
    absl::StatusOr<Recovered> loaded = storage.Load();
    ASSERT_TRUE(loaded.ok());
    EXPECT_EQ(Indexes(*loaded), (std::vector<uint64_t>{3}));
    ASSERT_TRUE(loaded->restored.snapshot.has_value());
    EXPECT_EQ(loaded->restored.snapshot->index, Index(2));
    EXPECT_EQ(loaded->restored.applied, Index(2));
    EXPECT_EQ(loaded->restored.conf_state.voters, std::vector<NodeId>{NodeId(1)});
    EXPECT_EQ(loaded->snapshot_data, "state");
    // Entries the snapshot covers are ignored; the next one continues the log.
    ASSERT_TRUE(storage.Append({MakeEntry(2, 1), MakeEntry(3, 2), MakeEntry(4, 2)}).ok());
    ASSERT_TRUE(storage.Sync().ok());
    EXPECT_EQ(Indexes(*storage.Load()), (std::vector<uint64_t>{3, 4}));
}

TEST(MemoryNodeStorage, SnapshotThatConflictsDiscardsTheWholeLog) {
    MemoryNodeStorage storage(Voters123());
    ASSERT_TRUE(storage.Append({MakeEntry(1, 1), MakeEntry(2, 1), MakeEntry(3, 1)}).ok());
    ASSERT_TRUE(storage.SaveSnapshot({.meta = {.index = Index(2), .term = Term(3)}}).ok());
    ASSERT_TRUE(storage.Sync().ok());
    EXPECT_TRUE(storage.Load()->restored.entries.empty());
    // An older snapshot is ignored.
    ASSERT_TRUE(storage.SaveSnapshot({.meta = {.index = Index(1), .term = Term(1)}}).ok());
    ASSERT_TRUE(storage.Sync().ok());
    EXPECT_EQ(storage.Load()->restored.snapshot->index, Index(2));
}

TEST(LyingNodeStorage, AcknowledgedSyncsCanStillBeLost) {
    auto inner = std::make_unique<MemoryNodeStorage>(Voters123());
    LyingNodeStorage storage(
        std::move(inner), base::Rng(1), {.lie_numerator = 1, .lie_denominator = 1});
    ASSERT_TRUE(storage.Append({MakeEntry(1, 1)}).ok());
    ASSERT_TRUE(storage.Sync().ok());
    EXPECT_EQ(storage.lies_told(), 1u);
    storage.Crash();
    EXPECT_TRUE(storage.Load()->restored.entries.empty());
}

TEST(LyingNodeStorage, HonestWhenTheLieProbabilityIsZero) {
    auto inner = std::make_unique<MemoryNodeStorage>(Voters123());
    LyingNodeStorage storage(
        std::move(inner), base::Rng(1), {.lie_numerator = 0, .lie_denominator = 1});
    ASSERT_TRUE(storage.Append({MakeEntry(1, 1)}).ok());
    ASSERT_TRUE(storage.Sync().ok());
    storage.Crash();
    EXPECT_EQ(Indexes(*storage.Load()), (std::vector<uint64_t>{1}));
    EXPECT_EQ(storage.lies_told(), 0u);
}

}  // namespace
}  // namespace keel::sim
