#include "sim/checkers/leader_completeness_checker.h"

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
    LeaderCompletenessChecker completeness{&log, &logs, &commits};
};

TEST(LeaderCompletenessChecker, LeaderHoldingTheCommittedLogPasses) {
    Fixture f;
    f.logs.Append(NodeId(1), Entries(1, 3, 1));
    f.commits.ObserveCommit(NodeId(1), Index(3));
    f.logs.Append(NodeId(2), Entries(1, 3, 1));
    f.logs.Append(NodeId(2), {E(4, 2)});
    f.completeness.ObserveNewLeader(NodeId(2), Term(2));
    EXPECT_TRUE(f.log.empty());
}

TEST(LeaderCompletenessChecker, LeaderMissingACommittedEntryIsCaught) {
    Fixture f;
    f.logs.Append(NodeId(1), Entries(1, 3, 1));
    f.commits.ObserveCommit(NodeId(1), Index(3));
    f.logs.Append(NodeId(2), Entries(1, 2, 1));
    f.completeness.ObserveNewLeader(NodeId(2), Term(2));
    ASSERT_FALSE(f.log.empty());
    EXPECT_EQ(f.log.violations()[0].checker, "leader-completeness");
}

TEST(LeaderCompletenessChecker, LeaderWithADifferentEntryAtTheCommitIndexIsCaught) {
    Fixture f;
    f.logs.Append(NodeId(1), Entries(1, 3, 1));
    f.commits.ObserveCommit(NodeId(1), Index(3));
    f.logs.Append(NodeId(2), Entries(1, 2, 1));
    f.logs.Append(NodeId(2), {E(3, 2), E(4, 3)});  // Figure 8: index 3 overwritten
    f.completeness.ObserveNewLeader(NodeId(2), Term(3));
    EXPECT_FALSE(f.log.empty());
}

}  // namespace
}  // namespace keel::sim
