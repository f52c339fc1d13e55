#include "raft/progress.h"

#include <gtest/gtest.h>

namespace keel::raft {
namespace {

Progress Make(uint64_t next, size_t msgs = 3, size_t bytes = 1000) {
    return Progress(Index(next), msgs, bytes, /*is_learner=*/false);
}

TEST(Inflights, FullByCountOrBytes) {
    Inflights by_count(2, 1000);
    by_count.Add(Index(1), 10);
    EXPECT_FALSE(by_count.Full());
    by_count.Add(Index(2), 10);
    EXPECT_TRUE(by_count.Full());
    by_count.FreeLE(Index(1));
    EXPECT_FALSE(by_count.Full());
    EXPECT_EQ(by_count.count(), 1u);

    Inflights by_bytes(10, 100);
    by_bytes.Add(Index(1), 60);
    EXPECT_FALSE(by_bytes.Full());
    by_bytes.Add(Index(2), 40);
    EXPECT_TRUE(by_bytes.Full());
    by_bytes.FreeFirstOne();
    EXPECT_EQ(by_bytes.bytes(), 40u);
    by_bytes.CheckInvariants(CheckDepth::kFull);
}

TEST(Progress, ProbeSendsOneAtATime) {
    Progress pr = Make(5);
    EXPECT_FALSE(pr.IsPaused());
    pr.SentEntries(Index(6), 10);
    EXPECT_TRUE(pr.IsPaused());
    EXPECT_EQ(pr.next(), Index(5));  // probing does not advance next optimistically
    pr.OnHeartbeatResponse();
    EXPECT_FALSE(pr.IsPaused());
}

TEST(Progress, ReplicatePipelinesUntilWindowIsFull) {
    Progress pr = Make(1, /*msgs=*/2);
    ASSERT_TRUE(pr.MaybeUpdate(Index(1)));
    pr.BecomeReplicate();
    pr.SentEntries(Index(3), 10);
    pr.SentEntries(Index(5), 10);
    EXPECT_EQ(pr.next(), Index(6));
    EXPECT_TRUE(pr.IsPaused());
    ASSERT_TRUE(pr.MaybeUpdate(Index(3)));
    pr.FreeInflightsLE(Index(3));
    EXPECT_FALSE(pr.IsPaused());
    pr.CheckInvariants(CheckDepth::kFull);
}

TEST(Progress, HeartbeatRoundUnsticksAStalledWindow) {
    Progress pr = Make(1, /*msgs=*/1);
    pr.BecomeReplicate();
    pr.SentEntries(Index(4), 10);
    ASSERT_TRUE(pr.IsPaused());
    // A heartbeat that left before the window filled proves nothing.
    pr.OnHeartbeatResponse();
    EXPECT_TRUE(pr.IsPaused());
    // An acknowledgement between the heartbeat and its response means the window moves.
    pr.OnHeartbeatSent();
    pr.SentEntries(Index(4), 0);
    ASSERT_TRUE(pr.MaybeUpdate(Index(2)));
    pr.OnHeartbeatResponse();
    EXPECT_TRUE(pr.IsPaused());
    // A full heartbeat round trip with the window full and no acknowledgement: stalled.
    pr.OnHeartbeatSent();
    pr.OnHeartbeatResponse();
    EXPECT_FALSE(pr.IsPaused());
}

TEST(Progress, StaleRejectionsAreIgnored) {
    Progress pr = Make(1);
    ASSERT_TRUE(pr.MaybeUpdate(Index(5)));
    pr.BecomeReplicate();
    pr.SentEntries(Index(9), 10);
    // A rejection of an index at or below match answers an old message.
    EXPECT_FALSE(pr.MaybeDecrTo(Index(4), Index(0)));
    EXPECT_EQ(pr.next(), Index(10));
    // A fresh rejection falls back to match + 1.
    EXPECT_TRUE(pr.MaybeDecrTo(Index(7), Index(0)));
    EXPECT_EQ(pr.next(), Index(6));
}

TEST(Progress, ProbeRejectionUsesHintButNeverGoesBelowMatch) {
    Progress pr = Make(11);
    ASSERT_TRUE(pr.MaybeUpdate(Index(3)));
    pr.SentEntries(Index(10), 0);
    // Only the outstanding probe (prev index = next - 1 = 10) counts.
    EXPECT_FALSE(pr.MaybeDecrTo(Index(7), Index(2)));
    EXPECT_TRUE(pr.MaybeDecrTo(Index(10), Index(6)));
    EXPECT_EQ(pr.next(), Index(7));
    EXPECT_FALSE(pr.IsPaused());
    pr.SentEntries(Index(6), 0);
    EXPECT_TRUE(pr.MaybeDecrTo(Index(6), Index(0)));
    EXPECT_EQ(pr.next(), Index(4));  // match + 1
}

TEST(Progress, SnapshotThenProbeFromSnapshotIndex) {
    Progress pr = Make(3);
    pr.BecomeSnapshot(Index(20));
    EXPECT_TRUE(pr.IsPaused());
    pr.CheckInvariants(CheckDepth::kFull);
    pr.BecomeProbe();
    EXPECT_EQ(pr.next(), Index(21));
    Progress failed = Make(3);
    failed.BecomeSnapshot(Index(20));
    failed.SnapshotFailed();
    EXPECT_EQ(failed.next(), Index(1));
    failed.CheckInvariants(CheckDepth::kFull);
}

}  // namespace
}  // namespace keel::raft
