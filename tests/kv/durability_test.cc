// Durability: the applied index and the data travel in one batch; crash recovery by replay;
// checkpoints; replica digests.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/mvcc_store.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

using testing::ScratchDir;

std::unique_ptr<MvccStore> OpenOrDie(const std::string& dir, MvccStoreOptions options = {}) {
    auto store = MvccStore::Open(dir, options);
    KEEL_ASSERT_MSG(store.ok(), "%s", store.status().ToString());
    return *std::move(store);
}

// Entry i of a deterministic log: mostly puts, with deletes and a lease mixed in.
void ApplyEntry(MvccStore& store, uint64_t i) {
    const ApplyContext ctx{Index(i)};
    const std::string key = "k" + std::to_string(i % 7);
    if (i == 1) {
        (void)store.ApplyLeaseGrant(ctx, {.ttl = 10, .id = LeaseId(1)});
    } else if (i % 5 == 0) {
        (void)store.ApplyDeleteRange(ctx, {.key = key});
    } else {
        const LeaseId lease = i % 3 == 0 ? LeaseId(1) : LeaseId();
        (void)store.ApplyPut(ctx, {.key = key, .value = "v" + std::to_string(i), .lease = lease});
    }
}

uint32_t Hash(const MvccStore& store) {
    auto hash = store.HashKv(Revision());
    KEEL_ASSERT(hash.ok());
    return hash->hash;
}

TEST(MvccDurability, CrashLosesOnlyTheUnflushedTailAndReplayRestoresIt) {
    constexpr uint64_t kFlushedEntries = 20;
    constexpr uint64_t kEntries = 35;
    ScratchDir dir;
    {
        auto store = OpenOrDie(dir.Sub("db"), {.shutdown = ShutdownMode::kDropUnflushed});
        for (uint64_t i = 1; i <= kFlushedEntries; ++i) {
            ApplyEntry(*store, i);
        }
        ASSERT_TRUE(store->Flush().ok());
        for (uint64_t i = kFlushedEntries + 1; i <= kEntries; ++i) {
            ApplyEntry(*store, i);
        }
        EXPECT_EQ(store->applied_index(), Index(kEntries));
    }  // "Crash": the memtable holding entries 21..35 is dropped.
    auto reference = OpenOrDie(dir.Sub("reference"));
    for (uint64_t i = 1; i <= kFlushedEntries; ++i) {
        ApplyEntry(*reference, i);
    }
    auto store = OpenOrDie(dir.Sub("db"));
    // The store reopens exactly at the flushed entry, with exactly its data.
    ASSERT_EQ(store->applied_index(), Index(kFlushedEntries));
    EXPECT_EQ(store->revision(), reference->revision());
    EXPECT_EQ(Hash(*store), Hash(*reference));
    store->CheckInvariants();
    // Replaying the log from the start skips what is applied and redoes the rest.
    for (uint64_t i = 1; i <= kEntries; ++i) {
        ApplyEntry(*store, i);
    }
    for (uint64_t i = kFlushedEntries + 1; i <= kEntries; ++i) {
        ApplyEntry(*reference, i);
    }
    EXPECT_EQ(store->applied_index(), Index(kEntries));
    EXPECT_EQ(Hash(*store), Hash(*reference));
    EXPECT_EQ(store->LeaseTimeToLive({.id = LeaseId(1), .keys = true})->keys,
              reference->LeaseTimeToLive({.id = LeaseId(1), .keys = true})->keys);
    store->CheckInvariants();
}

TEST(MvccDurability, CleanCloseKeepsEverything) {
    ScratchDir dir;
    {
        auto store = OpenOrDie(dir.Sub("db"));
        for (uint64_t i = 1; i <= 10; ++i) {
            ApplyEntry(*store, i);
        }
    }
    auto store = OpenOrDie(dir.Sub("db"));
    EXPECT_EQ(store->applied_index(), Index(10));
    store->CheckInvariants();
}

TEST(MvccDurability, FailedEntriesStillAdvanceTheAppliedIndex) {
    ScratchDir dir;
    {
        auto store = OpenOrDie(dir.Sub("db"));
        auto result = store->ApplyPut(ApplyContext{Index(4)}, {.key = "a", .lease = LeaseId(3)});
        EXPECT_FALSE(result.response.ok());
    }
    auto store = OpenOrDie(dir.Sub("db"));
    EXPECT_EQ(store->applied_index(), Index(4));
    EXPECT_EQ(store->revision(), Revision(1));
}

TEST(MvccCheckpoint, RoundTripCarriesDataAndAppliedIndex) {
    ScratchDir dir;
    auto store = OpenOrDie(dir.Sub("db"));
    for (uint64_t i = 1; i <= 30; ++i) {
        ApplyEntry(*store, i);
    }
    ASSERT_TRUE(store->CreateCheckpoint(dir.Sub("checkpoint")).ok());
    // Later writes do not reach the checkpoint.
    ApplyEntry(*store, 31);
    const uint32_t hash_after_31 = [&] {
        auto hash = store->HashKv(Revision());
        return hash.ok() ? hash->hash : 0;
    }();
    auto restored = MvccStore::OpenFromCheckpoint(dir.Sub("checkpoint"), dir.Sub("follower"), {});
    ASSERT_TRUE(restored.ok()) << restored.status();
    EXPECT_EQ((*restored)->applied_index(), Index(30));
    EXPECT_FALSE(std::filesystem::exists(dir.Sub("checkpoint")));
    // The follower catches up by applying the rest of the log.
    ApplyEntry(**restored, 31);
    EXPECT_EQ(Hash(**restored), hash_after_31);
    (*restored)->CheckInvariants();
    // A checkpoint into an existing directory is refused.
    EXPECT_FALSE(store->CreateCheckpoint(dir.Sub("db")).ok());
}

TEST(MvccCheckpoint, ReplacesAnExistingStore) {
    ScratchDir dir;
    {
        auto stale = OpenOrDie(dir.Sub("follower"));
        ApplyEntry(*stale, 1);
        ApplyEntry(*stale, 2);
    }
    auto leader = OpenOrDie(dir.Sub("db"));
    for (uint64_t i = 1; i <= 12; ++i) {
        ApplyEntry(*leader, i);
    }
    ASSERT_TRUE(leader->CreateCheckpoint(dir.Sub("checkpoint")).ok());
    auto follower = MvccStore::OpenFromCheckpoint(dir.Sub("checkpoint"), dir.Sub("follower"), {});
    ASSERT_TRUE(follower.ok()) << follower.status();
    EXPECT_EQ((*follower)->applied_index(), Index(12));
    EXPECT_EQ(Hash(**follower), Hash(*leader));
}

TEST(MvccHash, EqualForReplicasFedTheSameEntries) {
    ScratchDir dir;
    auto a = OpenOrDie(dir.Sub("a"));
    auto b = OpenOrDie(dir.Sub("b"));
    for (uint64_t i = 1; i <= 25; ++i) {
        ApplyEntry(*a, i);
        ApplyEntry(*b, i);
    }
    // Different RocksDB file layouts must not matter.
    ASSERT_TRUE(a->Flush().ok());
    EXPECT_EQ(Hash(*a), Hash(*b));
    ASSERT_TRUE(
        a->ApplyCompaction(ApplyContext{Index(26)}, {.revision = Revision(10)}).response.ok());
    ASSERT_TRUE(
        b->ApplyCompaction(ApplyContext{Index(26)}, {.revision = Revision(10)}).response.ok());
    EXPECT_EQ(Hash(*a), Hash(*b));
    // A divergent replica is detected, and a past revision hashes only history up to it.
    const uint32_t at_12 = a->HashKv(Revision(12))->hash;
    ApplyEntry(*a, 27);
    ApplyEntry(*b, 28);
    EXPECT_NE(Hash(*a), Hash(*b));
    EXPECT_EQ(a->HashKv(Revision(12))->hash, at_12);
    EXPECT_EQ(b->HashKv(Revision(12))->hash, at_12);
    EXPECT_TRUE(IsCompacted(a->HashKv(Revision(9)).status()));
}

TEST(MvccSize, GrowsWithData) {
    ScratchDir dir;
    auto store = OpenOrDie(dir.Sub("db"));
    const uint64_t empty = store->ApproximateSizeBytes();
    for (uint64_t i = 1; i <= 200; ++i) {
        (void)store->ApplyPut(ApplyContext{Index(i)},
                              {.key = "key" + std::to_string(i), .value = std::string(1000, 'x')});
    }
    EXPECT_GT(store->ApproximateSizeBytes(), empty + 100'000);
    ASSERT_TRUE(store->Flush().ok());
    EXPECT_GT(store->ApproximateSizeBytes(), empty + 10'000);
}

}  // namespace
}  // namespace keel::kv

namespace keel::kv {
namespace {

TEST(MvccDurability, ClusterRecordTravelsWithTheAppliedIndexAndCheckpoints) {
    testing::ScratchDir dir;
    {
        auto store = OpenOrDie(dir.Sub("db"));
        EXPECT_EQ(store->ClusterRecord(), std::nullopt);
        (void)store->ApplyPut({Index(1)}, {.key = "k", .value = "v"});
        const Revision before = store->revision();
        EXPECT_EQ(store->ApplyClusterRecord({Index(2)}, "members-1"), ApplyOutcome::kApplied);
        EXPECT_EQ(store->applied_index(), Index(2));
        EXPECT_EQ(store->revision(), before);  // not a key change
        // A replay of an applied entry changes nothing.
        EXPECT_EQ(store->ApplyClusterRecord({Index(2)}, "stale"), ApplyOutcome::kAlreadyApplied);
        EXPECT_EQ(store->ClusterRecord(), "members-1");
        ASSERT_TRUE(store->CreateCheckpoint(dir.Sub("checkpoint")).ok());
        store->CheckInvariants();
    }
    EXPECT_EQ(OpenOrDie(dir.Sub("db"))->ClusterRecord(), "members-1");
    EXPECT_EQ(OpenOrDie(dir.Sub("checkpoint"))->ClusterRecord(), "members-1");
}

}  // namespace
}  // namespace keel::kv
