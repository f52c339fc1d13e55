#include "sim/checkers/state_machine_safety_checker.h"

#include <gtest/gtest.h>

#include "sim/checkers/checker_test_util.h"
#include "sim/state_machine.h"

namespace keel::sim {
namespace {

using checker_testing::E;

TEST(StateMachineSafetyChecker, SameHistoryOnTwoNodesPasses) {
    ViolationLog log;
    StateMachineSafetyChecker checker(&log);
    StateMachine a;
    StateMachine b;
    for (const raft::Entry& entry : {E(1, 1), E(2, 1), E(3, 2)}) {
        a.Apply(entry);
        checker.ObserveApply(NodeId(1), entry, a.chain());
        b.Apply(entry);
        checker.ObserveApply(NodeId(2), entry, b.chain());
    }
    checker.ObserveSnapshot(NodeId(3), a.applied_index(), a.chain());
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(checker.highest_applied(), Index(3));
}

TEST(StateMachineSafetyChecker, DifferentEntryAtAnIndexIsCaught) {
    ViolationLog log;
    StateMachineSafetyChecker checker(&log);
    StateMachine a;
    StateMachine b;
    a.Apply(E(1, 1, "x"));
    checker.ObserveApply(NodeId(1), E(1, 1, "x"), a.chain());
    b.Apply(E(1, 1, "y"));  // same index and term, different command
    checker.ObserveApply(NodeId(2), E(1, 1, "y"), b.chain());
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.violations()[0].checker, "state-machine-safety");
}

TEST(StateMachineSafetyChecker, SnapshotOfAnotherHistoryIsCaught) {
    ViolationLog log;
    StateMachineSafetyChecker checker(&log);
    StateMachine a;
    a.Apply(E(1, 1));
    checker.ObserveApply(NodeId(1), E(1, 1), a.chain());
    checker.ObserveSnapshot(NodeId(2), Index(1), a.chain() + 1);
    checker.ObserveSnapshot(NodeId(2), Index(7), a.chain());  // nobody applied 7
    EXPECT_EQ(log.violations().size(), 2u);
}

}  // namespace
}  // namespace keel::sim
