#include "raft/raft_log.h"

#include <gtest/gtest.h>

#include "raft/limits.h"

namespace keel::raft {
namespace {

Entry E(uint64_t term, uint64_t index, std::string data = "") {
    return Entry{.term = Term(term), .index = Index(index), .data = std::move(data)};
}

RaftLog MakeLog(std::vector<Entry> entries, uint64_t committed = 0) {
    return RaftLog(SnapshotMeta{}, std::move(entries), Index(committed), Index(0));
}

TEST(RaftLog, EmptyLogHasNoEntries) {
    RaftLog log = MakeLog({});
    EXPECT_EQ(log.first_index(), Index(1));
    EXPECT_EQ(log.last_index(), Index(0));
    EXPECT_EQ(log.last_term(), Term(0));
    EXPECT_EQ(log.TermAt(Index(0)), Term(0));
    EXPECT_EQ(log.TermAt(Index(1)), std::nullopt);
}

TEST(RaftLog, MaybeAppendRejectsMismatchedPrevious) {
    RaftLog log = MakeLog({E(1, 1), E(1, 2)});
    Index last_new;
    EXPECT_EQ(log.MaybeAppend(Index(2), Term(2), Index(0), {E(2, 3)}, last_new),
              AppendOutcome::kMismatch);
    EXPECT_EQ(log.MaybeAppend(Index(3), Term(1), Index(0), {}, last_new), AppendOutcome::kMismatch);
    EXPECT_EQ(log.last_index(), Index(2));
}

TEST(RaftLog, MaybeAppendTruncatesConflictingSuffix) {
    RaftLog log = MakeLog({E(1, 1), E(1, 2), E(1, 3)}, 1);
    Index last_new;
    ASSERT_EQ(log.MaybeAppend(Index(1), Term(1), Index(2), {E(2, 2)}, last_new),
              AppendOutcome::kAppended);
    EXPECT_EQ(last_new, Index(2));
    EXPECT_EQ(log.last_index(), Index(2));
    EXPECT_EQ(log.TermAt(Index(2)), Term(2));
    EXPECT_EQ(log.committed(), Index(2));
    // The truncated entries were never persisted as (2, 2): stable falls back to index 1.
    EXPECT_EQ(log.stable(), Index(1));
}

TEST(RaftLog, StaleAppendNeverTruncates) {
    RaftLog log = MakeLog({E(1, 1), E(1, 2), E(1, 3)});
    Index last_new;
    ASSERT_EQ(log.MaybeAppend(Index(0), Term(0), Index(0), {E(1, 1)}, last_new),
              AppendOutcome::kAppended);
    EXPECT_EQ(last_new, Index(1));
    EXPECT_EQ(log.last_index(), Index(3));
}

TEST(RaftLog, CommitIsBoundedByLastNewEntry) {
    RaftLog log = MakeLog({E(1, 1)});
    Index last_new;
    ASSERT_EQ(log.MaybeAppend(Index(1), Term(1), Index(10), {E(1, 2)}, last_new),
              AppendOutcome::kAppended);
    EXPECT_EQ(log.committed(), Index(2));
}

TEST(RaftLog, FindConflictByTermSkipsWholeTerms) {
    RaftLog log = MakeLog({E(1, 1), E(2, 2), E(2, 3), E(4, 4), E(4, 5)});
    EXPECT_EQ(log.FindConflictByTerm(Index(5), Term(3)), std::make_pair(Index(3), Term(2)));
    EXPECT_EQ(log.FindConflictByTerm(Index(5), Term(4)), std::make_pair(Index(5), Term(4)));
    EXPECT_EQ(log.FindConflictByTerm(Index(9), Term(1)), std::make_pair(Index(1), Term(1)));
    EXPECT_EQ(log.FindConflictByTerm(Index(5), Term(0)), std::make_pair(Index(0), Term(0)));
}

TEST(RaftLog, SliceRespectsByteBudgetButReturnsOneEntry) {
    RaftLog log = MakeLog({E(1, 1, std::string(100, 'x')), E(1, 2, "y"), E(1, 3, "z")});
    auto one = log.Slice(Index(1), Index(3), 1);
    ASSERT_TRUE(one.has_value());
    EXPECT_EQ(one->size(), 1u);
    const size_t two_small = 2 * (1 + kEntryOverheadBytes);
    auto two = log.Slice(Index(2), Index(3), two_small);
    ASSERT_TRUE(two.has_value());
    EXPECT_EQ(two->size(), 2u);
    auto capped = log.Slice(Index(2), Index(3), two_small - 1);
    EXPECT_EQ(capped->size(), 1u);
}

TEST(RaftLog, StableToIgnoresReplacedEntries) {
    RaftLog log(SnapshotMeta{}, {}, Index(0), Index(0));
    log.Append({E(1, 1), E(1, 2)});
    EXPECT_EQ(log.UnstableEntries().size(), 2u);
    log.StableTo(Index(2), Term(2));  // wrong term: the entry was replaced meanwhile
    EXPECT_EQ(log.stable(), Index(0));
    log.StableTo(Index(2), Term(1));
    EXPECT_EQ(log.stable(), Index(2));
    EXPECT_TRUE(log.UnstableEntries().empty());
}

TEST(RaftLog, CompactKeepsTermOfSnapshotIndex) {
    RaftLog log = MakeLog({E(1, 1), E(2, 2), E(2, 3)}, 3);
    log.AppliedTo(Index(3));
    log.CompactTo({.index = Index(2), .term = Term(2)});
    EXPECT_EQ(log.first_index(), Index(3));
    EXPECT_EQ(log.TermAt(Index(2)), Term(2));
    EXPECT_EQ(log.TermAt(Index(1)), std::nullopt);
    EXPECT_EQ(log.Slice(Index(2), Index(3), 100), std::nullopt);
    log.CheckInvariants(CheckDepth::kFull);
}

TEST(RaftLog, RestoreReplacesEverything) {
    RaftLog log = MakeLog({E(1, 1), E(1, 2)}, 1);
    log.Restore({.index = Index(10), .term = Term(3)});
    EXPECT_TRUE(log.snapshot_pending());
    EXPECT_EQ(log.last_index(), Index(10));
    EXPECT_EQ(log.committed(), Index(10));
    EXPECT_FALSE(log.HasNextCommittedEntries());
    log.SnapshotInstalled(Index(10));
    EXPECT_EQ(log.applied(), Index(10));
    log.CheckInvariants(CheckDepth::kFull);
}

TEST(RaftLog, UpToDateComparesTermThenIndex) {
    RaftLog log = MakeLog({E(1, 1), E(2, 2)});
    EXPECT_TRUE(log.IsUpToDate(Index(1), Term(3)));
    EXPECT_TRUE(log.IsUpToDate(Index(2), Term(2)));
    EXPECT_FALSE(log.IsUpToDate(Index(1), Term(2)));
    EXPECT_FALSE(log.IsUpToDate(Index(5), Term(1)));
}

}  // namespace
}  // namespace keel::raft
