#include "sim/checkers/commit_checker.h"

#include <gtest/gtest.h>

#include "sim/checkers/checker_test_util.h"

namespace keel::sim {
namespace {

using checker_testing::E;
using checker_testing::Entries;

struct Fixture {
    ViolationLog log;
    LogMatchingChecker logs{&log};
    CommitChecker commits{&log, &logs};
};

TEST(CommitChecker, AgreeingCommitsPass) {
    Fixture f;
    f.logs.Append(NodeId(1), Entries(1, 4, 1));
    f.logs.Append(NodeId(2), Entries(1, 3, 1));
    f.commits.ObserveCommit(NodeId(1), Index(2));
    f.commits.ObserveCommit(NodeId(2), Index(3));
    f.commits.ObserveCommit(NodeId(1), Index(4));
    EXPECT_TRUE(f.log.empty());
    EXPECT_EQ(f.commits.committed_index(), Index(4));
}

TEST(CommitChecker, CommitIndexGoingBackIsCaught) {
    Fixture f;
    f.logs.Append(NodeId(1), Entries(1, 4, 1));
    f.commits.ObserveCommit(NodeId(1), Index(3));
    f.commits.ObserveCommit(NodeId(1), Index(2));
    ASSERT_FALSE(f.log.empty());
    EXPECT_EQ(f.log.violations()[0].checker, "commit-monotonic");
}

TEST(CommitChecker, RestartBelowTheDurableCommitIsCaught) {
    Fixture f;
    f.logs.Append(NodeId(1), Entries(1, 4, 1));
    f.commits.ObserveCommit(NodeId(1), Index(4));
    f.commits.ObserveDurableCommit(NodeId(1), Index(4));
    f.commits.ObserveRestart(NodeId(1), Index(4));
    EXPECT_TRUE(f.log.empty());
    f.commits.ObserveRestart(NodeId(1), Index(3));  // a disk that lost a synced hard state
    ASSERT_FALSE(f.log.empty());
    EXPECT_EQ(f.log.violations()[0].checker, "commit-durable");
}

TEST(CommitChecker, TwoDifferentCommittedLogsAreCaught) {
    Fixture f;
    f.logs.Append(NodeId(1), {E(1, 1), E(2, 1, "x")});
    f.logs.Append(NodeId(2), {E(1, 1), E(2, 2, "y")});
    f.commits.ObserveCommit(NodeId(1), Index(2));
    f.commits.ObserveCommit(NodeId(2), Index(2));
    ASSERT_FALSE(f.log.empty());
    EXPECT_EQ(f.log.violations()[0].checker, "commit-agreement");
}

TEST(CommitChecker, CommitBeyondTheLogIsCaught) {
    Fixture f;
    f.logs.Append(NodeId(1), Entries(1, 2, 1));
    f.commits.ObserveCommit(NodeId(1), Index(3));
    EXPECT_FALSE(f.log.empty());
}

}  // namespace
}  // namespace keel::sim
