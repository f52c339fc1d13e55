#include "storage/log_state.h"

#include <gtest/gtest.h>

namespace keel::storage {
namespace {

TEST(LogState, AppendAndTermAt) {
    LogState log(Index(1));
    log.Append(Index(1), Term(1));
    log.Append(Index(2), Term(1));
    log.Append(Index(3), Term(2));
    log.CheckInvariants();
    EXPECT_EQ(log.last_index(), Index(3));
    EXPECT_EQ(log.TermAt(Index(2)), Term(1));
    EXPECT_EQ(log.TermAt(Index(3)), Term(2));
    EXPECT_EQ(log.TermAt(Index(4)), std::nullopt);
}

TEST(LogState, AppendBelowTheEndReplacesTheSuffix) {
    LogState log(Index(1));
    for (uint64_t i = 1; i <= 5; ++i) {
        log.Append(Index(i), Term(1));
    }
    log.Append(Index(3), Term(2));
    log.CheckInvariants();
    EXPECT_EQ(log.last_index(), Index(3));
    EXPECT_EQ(log.TermAt(Index(3)), Term(2));
    EXPECT_EQ(log.TermAt(Index(2)), Term(1));
}

TEST(LogState, GapsAndFallingTermsAreRefused) {
    LogState log(Index(1));
    log.Append(Index(1), Term(2));
    EXPECT_TRUE(absl::IsFailedPrecondition(log.CheckAppend(Index(3), Term(2))));
    EXPECT_TRUE(absl::IsFailedPrecondition(log.CheckAppend(Index(2), Term(1))));
    EXPECT_TRUE(log.CheckAppend(Index(2), Term(2)).ok());
}

TEST(LogState, SnapshotMatchingTheLogKeepsTheSuffix) {
    LogState log(Index(1));
    for (uint64_t i = 1; i <= 10; ++i) {
        log.Append(Index(i), Term(i <= 5 ? 1 : 2));
    }
    EXPECT_EQ(log.ApplySnapshot({.index = Index(7), .term = Term(2)}),
              LogState::SnapshotEffect::kKeptSuffix);
    log.CheckInvariants();
    EXPECT_EQ(log.first_index(), Index(8));
    EXPECT_EQ(log.last_index(), Index(10));
    EXPECT_EQ(log.TermAt(Index(8)), Term(2));
}

TEST(LogState, SnapshotNotMatchingTheLogDiscardsIt) {
    LogState log(Index(1));
    for (uint64_t i = 1; i <= 10; ++i) {
        log.Append(Index(i), Term(1));
    }
    EXPECT_EQ(log.ApplySnapshot({.index = Index(7), .term = Term(3)}),
              LogState::SnapshotEffect::kDiscardedLog);
    log.CheckInvariants();
    EXPECT_EQ(log.first_index(), Index(8));
    EXPECT_EQ(log.last_index(), Index(7));
    EXPECT_EQ(log.ApplySnapshot({.index = Index(5), .term = Term(1)}),
              LogState::SnapshotEffect::kStale);
}

TEST(LogState, SnapshotBeyondTheLogDiscardsIt) {
    LogState log(Index(1));
    log.Append(Index(1), Term(1));
    EXPECT_EQ(log.ApplySnapshot({.index = Index(50), .term = Term(3)}),
              LogState::SnapshotEffect::kDiscardedLog);
    EXPECT_EQ(log.first_index(), Index(51));
    EXPECT_TRUE(log.CheckAppend(Index(51), Term(3)).ok());
    EXPECT_FALSE(log.CheckAppend(Index(50), Term(3)).ok());
}

TEST(LogState, SnapshotBeforeTheLogIsOnlyRecorded) {
    LogState log(Index(100));
    log.Append(Index(100), Term(5));
    EXPECT_EQ(log.ApplySnapshot({.index = Index(40), .term = Term(2)}),
              LogState::SnapshotEffect::kBeforeLog);
    EXPECT_EQ(log.first_index(), Index(100));
    EXPECT_EQ(log.last_index(), Index(100));
    ASSERT_TRUE(log.snapshot().has_value());
    EXPECT_EQ(log.snapshot()->index, Index(40));
}

}  // namespace
}  // namespace keel::storage
