#include "sim/checkers/durability_checker.h"

#include <gtest/gtest.h>

#include "sim/checkers/checker_test_util.h"

namespace keel::sim {
namespace {

using checker_testing::E;

TEST(DurabilityChecker, FinalStateWithEveryAcknowledgedPayloadPasses) {
    ViolationLog log;
    DurabilityChecker checker(&log);
    StateMachine state;
    state.Apply(E(1, 1, ""));  // the leader's no-op carries no payload
    state.Apply(E(2, 1, "p1"));
    state.Apply(E(3, 1, "p2"));
    checker.ObserveApply(NodeId(1), Index(2), "p1");
    checker.ObserveApply(NodeId(2), Index(2), "p1");
    checker.ObserveApply(NodeId(1), Index(3), "p2");
    checker.CheckFinal(NodeId(1), state);
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(checker.acknowledged(), 2u);
    EXPECT_TRUE(checker.IsAcknowledged("p2"));
}

TEST(DurabilityChecker, AcknowledgedPayloadReplacedAtItsIndexIsCaught) {
    ViolationLog log;
    DurabilityChecker checker(&log);
    checker.ObserveApply(NodeId(1), Index(2), "p1");
    checker.ObserveApply(NodeId(2), Index(2), "p9");
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.violations()[0].checker, "durability");
}

TEST(DurabilityChecker, PayloadAppliedAtTwoIndexesIsCaught) {
    ViolationLog log;
    DurabilityChecker checker(&log);
    checker.ObserveApply(NodeId(1), Index(2), "p1");
    checker.ObserveApply(NodeId(1), Index(5), "p1");
    EXPECT_FALSE(log.empty());
}

TEST(DurabilityChecker, FinalStateMissingAPayloadIsCaught) {
    ViolationLog log;
    DurabilityChecker checker(&log);
    checker.ObserveApply(NodeId(1), Index(1), "p1");
    checker.ObserveApply(NodeId(1), Index(2), "p2");
    StateMachine state;
    state.Apply(E(1, 1, "p1"));
    state.Apply(E(2, 2, ""));
    checker.CheckFinal(NodeId(2), state);
    EXPECT_FALSE(log.empty());
}

}  // namespace
}  // namespace keel::sim
