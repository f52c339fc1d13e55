#include "client/session_sequence.h"

#include <gtest/gtest.h>

namespace keel::client {
namespace {

TEST(SessionSequence, NumbersWritesFromOneAndAcksTheLowestOutstanding) {
    SessionSequence sequence(7);
    EXPECT_EQ(sequence.id(), 7u);
    EXPECT_EQ(sequence.ack(), 1u);
    const uint64_t first = sequence.Begin();
    const uint64_t second = sequence.Begin();
    EXPECT_EQ(first, 1u);
    EXPECT_EQ(second, 2u);
    EXPECT_EQ(sequence.ack(), 1u);
    // The second answer arrives first: the first still holds the ack back.
    sequence.End(second);
    EXPECT_EQ(sequence.ack(), 1u);
    sequence.End(first);
    EXPECT_EQ(sequence.ack(), 3u);
}

TEST(SessionSequence, ExpiryIsSticky) {
    SessionSequence sequence(1);
    EXPECT_FALSE(sequence.expired());
    sequence.MarkExpired();
    EXPECT_TRUE(sequence.expired());
    EXPECT_TRUE(sequence.expired());
}

TEST(SessionSequenceDeathTest, EndingAnUnknownSeqIsABug) {
    SessionSequence sequence(1);
    EXPECT_DEATH(sequence.End(5), "not outstanding");
}

}  // namespace
}  // namespace keel::client
