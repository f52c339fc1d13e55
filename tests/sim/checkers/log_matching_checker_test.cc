#include "sim/checkers/log_matching_checker.h"

#include <gtest/gtest.h>

#include "sim/checkers/checker_test_util.h"

namespace keel::sim {
namespace {

using checker_testing::E;
using checker_testing::Entries;

TEST(LogMatchingChecker, EqualPrefixesAndResolvedConflictsPass) {
    ViolationLog log;
    LogMatchingChecker checker(&log);
    checker.Append(NodeId(1), Entries(1, 3, 1));
    checker.Append(NodeId(2), Entries(1, 2, 1));
    checker.Append(NodeId(2), {E(3, 2)});           // differs at 3, but in another term: allowed
    checker.Append(NodeId(1), {E(3, 2), E(4, 2)});  // node 1 overwrites its entry 3
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(checker.LastIndex(NodeId(1)), Index(4));
    EXPECT_EQ(checker.PrefixHash(NodeId(1), Index(3)), checker.PrefixHash(NodeId(2), Index(3)));
}

TEST(LogMatchingChecker, SameIndexAndTermOverDifferentPrefixesIsCaught) {
    ViolationLog log;
    LogMatchingChecker checker(&log);
    checker.Append(NodeId(1), {E(1, 1, "a"), E(2, 2)});
    checker.Append(NodeId(2), {E(1, 1, "b"), E(2, 2)});  // (2, 2) matches, index 1 does not
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.violations()[0].checker, "log-matching");
}

TEST(LogMatchingChecker, AppendThatLeavesAGapIsCaught) {
    ViolationLog log;
    LogMatchingChecker checker(&log);
    checker.Append(NodeId(1), Entries(1, 2, 1));
    checker.Append(NodeId(1), {E(4, 1)});
    EXPECT_FALSE(log.empty());
}

TEST(LogMatchingChecker, SnapshotsContinueOrReplaceTheMirror) {
    ViolationLog log;
    LogMatchingChecker checker(&log);
    checker.Append(NodeId(1), Entries(1, 5, 1));
    checker.Append(NodeId(2), Entries(1, 2, 1));
    // Node 2 installs node 1's snapshot at 4: its mirror restarts there, with node 1's hash.
    checker.InstallSnapshot(NodeId(2), {.index = Index(4), .term = Term(1)});
    EXPECT_EQ(checker.BaseIndex(NodeId(2)), Index(4));
    EXPECT_EQ(checker.PrefixHash(NodeId(2), Index(4)), checker.PrefixHash(NodeId(1), Index(4)));
    checker.Append(NodeId(2), {E(5, 1)});
    EXPECT_TRUE(log.empty());
    // A restart from a snapshot of an entry nobody ever appended is impossible.
    checker.Reset(NodeId(3), raft::SnapshotMeta{.index = Index(9), .term = Term(9)}, {});
    EXPECT_FALSE(log.empty());
}

}  // namespace
}  // namespace keel::sim
