#include "storage/group_committer.h"

#include <atomic>
#include <cerrno>
#include <thread>

#include <gtest/gtest.h>

#include "sim/sim_file_system.h"
#include "storage_test_util.h"

namespace keel::storage {
namespace {

constexpr char kDir[] = "/wal";

std::unique_ptr<Wal> OpenWal(sim::SimFileSystem& fs) {
    auto opened = Wal::Open(fs, kDir, {.segment_bytes = 1 << 20});
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(opened->wal) : nullptr;
}

TEST(GroupCommitter, ManyProposersShareSyncsAndEverythingIsDurable) {
    sim::SimFileSystem fs(1);
    constexpr int kThreads = 8;
    constexpr int kPerThread = 200;
    {
        GroupCommitter committer(OpenWal(fs), {});
        std::vector<std::thread> threads;
        std::atomic<int> failures = 0;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < kPerThread; ++i) {
                    auto submitted = committer.Propose(Term(1), "t" + std::to_string(t));
                    if (!submitted.ok() || !committer.WaitDurable(submitted->ticket).ok()) {
                        ++failures;
                    }
                }
            });
        }
        for (std::thread& thread : threads) {
            thread.join();
        }
        EXPECT_EQ(failures.load(), 0);
        const GroupCommitStats stats = committer.stats();
        EXPECT_EQ(stats.entries, uint64_t{kThreads * kPerThread});
        EXPECT_LE(stats.syncs, stats.entries);
        EXPECT_EQ(committer.durable_index(), Index(kThreads * kPerThread));
    }
    fs.Crash(sim::CrashMode::kDropUnsynced);
    auto reopened = Wal::Open(fs, kDir, {.segment_bytes = 1 << 20});
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(reopened->contents.entries.size(), size_t{kThreads * kPerThread});
}

TEST(GroupCommitter, NothingIsReportedDurableBeforeTheSync) {
    // Every index the callback reports is already on the simulated disk's durable side: the
    // callback runs after Wal::Sync returned.
    sim::SimFileSystem fs(2);
    std::atomic<uint64_t> unsynced_seen = 0;
    GroupCommitterOptions options;
    options.on_durable = [&](Index) {
        unsynced_seen += fs.unsynced_bytes();
    };
    GroupCommitter committer(OpenWal(fs), std::move(options));
    for (uint64_t i = 1; i <= 50; ++i) {
        auto submitted = committer.Append({testing::MakeEntry(i, 1)});
        ASSERT_TRUE(submitted.ok());
        ASSERT_TRUE(committer.WaitDurable(submitted->ticket).ok());
    }
    EXPECT_EQ(unsynced_seen.load(), 0U);
}

TEST(GroupCommitter, AppendRejectsAGap) {
    sim::SimFileSystem fs(3);
    GroupCommitter committer(OpenWal(fs), {});
    ASSERT_TRUE(committer.Append(testing::MakeEntries(1, 3, 1)).ok());
    EXPECT_TRUE(absl::IsFailedPrecondition(committer.Append({testing::MakeEntry(5, 1)}).status()));
    auto replaced = committer.Append(testing::MakeEntries(2, 2, 2));  // conflicting suffix
    ASSERT_TRUE(replaced.ok());
    EXPECT_EQ(replaced->last_index, Index(2));
    ASSERT_TRUE(committer.WaitDurable(replaced->ticket).ok());
    EXPECT_EQ(committer.durable_index(), Index(2));
}

TEST(GroupCommitter, FailedSyncFailsEveryWaiterAndIsNotRetried) {
    sim::SimFileSystem fs(4);
    GroupCommitter committer(OpenWal(fs), {});
    fs.InjectFault(sim::FaultRule{.op = sim::FsOp::kSync, .error_number = EIO});
    auto first = committer.Propose(Term(1), "x");
    ASSERT_TRUE(first.ok());
    EXPECT_FALSE(committer.WaitDurable(first->ticket).ok());
    EXPECT_FALSE(committer.Propose(Term(1), "y").ok());
    EXPECT_EQ(committer.durable_index(), Index(0));
    EXPECT_EQ(committer.stats().syncs, 0U);
}

TEST(GroupCommitter, HardStateRidesWithTheBatch) {
    sim::SimFileSystem fs(5);
    const raft::HardState hs{.term = Term(3), .voted_for = NodeId(1), .commit = Index(2)};
    {
        GroupCommitter committer(OpenWal(fs), {});
        ASSERT_TRUE(committer.Append(testing::MakeEntries(1, 2, 3)).ok());
        auto submitted = committer.SaveHardState(hs);
        ASSERT_TRUE(submitted.ok());
        ASSERT_TRUE(committer.WaitDurable(submitted->ticket).ok());
    }
    auto reopened = Wal::Open(fs, kDir, {.segment_bytes = 1 << 20});
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(reopened->contents.hard_state, hs);
}

}  // namespace
}  // namespace keel::storage
