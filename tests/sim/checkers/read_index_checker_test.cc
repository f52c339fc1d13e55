#include "sim/checkers/read_index_checker.h"

#include <gtest/gtest.h>

namespace keel::sim {
namespace {

TEST(ReadIndexChecker, ReadAtOrAboveTheCommitIndexPasses) {
    ViolationLog log;
    ReadIndexChecker checker(&log);
    checker.ObserveRequest("r1", Index(5));
    checker.ObserveReadState(NodeId(1), {.index = Index(5), .context = "r1"});
    checker.ObserveReadState(NodeId(1), {.index = Index(6), .context = "r1"});  // duplicate
    EXPECT_TRUE(log.empty());
    EXPECT_EQ(checker.reads_confirmed(), 2u);
}

TEST(ReadIndexChecker, StaleReadIndexIsCaught) {
    ViolationLog log;
    ReadIndexChecker checker(&log);
    checker.ObserveRequest("r1", Index(5));
    checker.ObserveReadState(NodeId(2), {.index = Index(4), .context = "r1"});
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.violations()[0].checker, "read-index");
}

TEST(ReadIndexChecker, AnswerToAnUnknownRequestIsCaught) {
    ViolationLog log;
    ReadIndexChecker checker(&log);
    checker.ObserveReadState(NodeId(2), {.index = Index(4), .context = "never"});
    EXPECT_FALSE(log.empty());
}

}  // namespace
}  // namespace keel::sim
