#include "sim/checkers/election_safety_checker.h"

#include <gtest/gtest.h>

namespace keel::sim {
namespace {

TEST(ElectionSafetyChecker, OneLeaderPerTermPasses) {
    ViolationLog log;
    ElectionSafetyChecker checker(&log);
    checker.ObserveLeader(NodeId(1), Term(1));
    checker.ObserveLeader(NodeId(1), Term(1));  // seen again after every step
    checker.ObserveLeader(NodeId(2), Term(2));
    checker.ObserveLeader(NodeId(1), Term(3));
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(checker.terms_with_leader(), 3u);
}

TEST(ElectionSafetyChecker, SecondLeaderInATermIsCaught) {
    ViolationLog log;
    ElectionSafetyChecker checker(&log);
    checker.ObserveLeader(NodeId(1), Term(4));
    checker.ObserveLeader(NodeId(3), Term(5));
    checker.ObserveLeader(NodeId(2), Term(4));  // e.g. a voter forgot its vote in a crash
    ASSERT_EQ(log.violations().size(), 1u);
    EXPECT_EQ(log.violations()[0].checker, "election-safety");
}

}  // namespace
}  // namespace keel::sim
