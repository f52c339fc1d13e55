#include "server/lessor.h"

#include <gtest/gtest.h>

#include "server/errors.h"

namespace keel::server {
namespace {

using namespace std::chrono_literals;
using TimePoint = Lessor::TimePoint;

// A fake monotonic clock: tests move time by hand.
constexpr TimePoint kStart = TimePoint(1000h);

LessorOptions TestOptions() {
    return LessorOptions{.min_ttl_seconds = 2,
                         .promote_extension = 1s,
                         .checkpoint_interval = 5s,
                         .revoke_retry_interval = 3s};
}

kv::LeaseStatus Status(uint64_t id, int64_t ttl, std::optional<int64_t> hint = std::nullopt) {
    return kv::LeaseStatus{.id = LeaseId(id), .granted_ttl = ttl, .remaining_ttl_hint = hint};
}

TEST(Lessor, OptionsFollowEtcdMinimumTtl) {
    // 10 ticks of 100 ms: 1.5 election timeouts = 1.5 s, rounded up to 2 s.
    const LessorOptions options = LessorOptionsFor(100ms, 10);
    EXPECT_EQ(options.min_ttl_seconds, 2);
    EXPECT_EQ(options.promote_extension, 1000ms);
    EXPECT_EQ(LessorOptionsFor(1000ms, 10).min_ttl_seconds, 15);
}

TEST(Lessor, FollowerTracksNothingAndRefusesKeepalives) {
    Lessor lessor(TestOptions());
    lessor.OnGranted(LeaseId(1), 10, kStart);
    EXPECT_EQ(lessor.size(), 0U);
    EXPECT_TRUE(IsNotLeader(lessor.Renew(LeaseId(1), kStart).status()));
    EXPECT_FALSE(lessor.Remaining(LeaseId(1), kStart).has_value());
    EXPECT_TRUE(lessor.TakeExpired(kStart + 1h, 10).empty());
    lessor.CheckInvariants();
}

TEST(Lessor, GrantedLeaseExpiresAfterItsTtlAndIsProposedOnce) {
    Lessor lessor(TestOptions());
    lessor.Promote({}, kStart);
    lessor.OnGranted(LeaseId(7), 10, kStart);
    EXPECT_EQ(lessor.Remaining(LeaseId(7), kStart + 4s), 6s);
    EXPECT_TRUE(lessor.TakeExpired(kStart + 9999ms, 10).empty());
    EXPECT_EQ(lessor.TakeExpired(kStart + 10s, 10), std::vector<LeaseId>{LeaseId(7)});
    // The revoke is in flight: not proposed again until the retry interval passes.
    EXPECT_TRUE(lessor.TakeExpired(kStart + 11s, 10).empty());
    EXPECT_EQ(lessor.TakeExpired(kStart + 13s, 10), std::vector<LeaseId>{LeaseId(7)});
    // An expired lease cannot be kept alive.
    EXPECT_EQ(lessor.Renew(LeaseId(7), kStart + 13s).status().code(), absl::StatusCode::kNotFound);
    lessor.OnRevoked(LeaseId(7));
    EXPECT_EQ(lessor.size(), 0U);
    EXPECT_TRUE(lessor.TakeExpired(kStart + 20s, 10).empty());
    lessor.CheckInvariants();
}

TEST(Lessor, KeepaliveRestartsTheTtl) {
    Lessor lessor(TestOptions());
    lessor.Promote({}, kStart);
    lessor.OnGranted(LeaseId(1), 3, kStart);
    TimePoint now = kStart;
    for (int i = 0; i < 10; ++i) {
        now += 2s;
        absl::StatusOr<Lessor::Renewed> renewed = lessor.Renew(LeaseId(1), now);
        ASSERT_TRUE(renewed.ok()) << renewed.status();
        EXPECT_EQ(renewed->ttl_seconds, 3);
        EXPECT_FALSE(renewed->clear_checkpoint);
        EXPECT_TRUE(lessor.TakeExpired(now + 2999ms, 10).empty());
    }
    EXPECT_EQ(lessor.TakeExpired(now + 3s, 10), std::vector<LeaseId>{LeaseId(1)});
    EXPECT_EQ(lessor.Renew(LeaseId(99), now).status().code(), absl::StatusCode::kNotFound);
}

TEST(Lessor, ExpiryIsBoundedPerCall) {
    Lessor lessor(TestOptions());
    lessor.Promote({}, kStart);
    for (uint64_t id = 1; id <= 5; ++id) {
        lessor.OnGranted(LeaseId(id), 2, kStart);
    }
    EXPECT_EQ(lessor.TakeExpired(kStart + 2s, 3),
              (std::vector<LeaseId>{LeaseId(1), LeaseId(2), LeaseId(3)}));
    EXPECT_EQ(lessor.TakeExpired(kStart + 2s, 3), (std::vector<LeaseId>{LeaseId(4), LeaseId(5)}));
}

TEST(Lessor, OnlyLeasesLongerThanTheIntervalAreCheckpointed) {
    Lessor lessor(TestOptions());
    lessor.Promote({}, kStart);
    lessor.OnGranted(LeaseId(1), 60, kStart);
    lessor.OnGranted(LeaseId(2), 5, kStart);  // not above the 5 s interval
    EXPECT_TRUE(lessor.TakeCheckpointsDue(kStart + 4s, 10).empty());
    std::vector<kv::LeaseCheckpoint> due = lessor.TakeCheckpointsDue(kStart + 5s, 10);
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(due[0].id, LeaseId(1));
    EXPECT_EQ(due[0].remaining_ttl, 55);
    EXPECT_TRUE(lessor.TakeCheckpointsDue(kStart + 9s, 10).empty());
    due = lessor.TakeCheckpointsDue(kStart + 10500ms, 10);
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(due[0].remaining_ttl, 50);  // 49.5 s rounded up
    lessor.CheckInvariants();
}

TEST(Lessor, RenewAfterACheckpointAsksToClearIt) {
    Lessor lessor(TestOptions());
    lessor.Promote({}, kStart);
    lessor.OnGranted(LeaseId(1), 60, kStart);
    const std::vector<kv::LeaseCheckpoint> due = lessor.TakeCheckpointsDue(kStart + 5s, 10);
    ASSERT_EQ(due.size(), 1U);
    lessor.OnCheckpointed(due[0]);  // the checkpoint entry applied
    absl::StatusOr<Lessor::Renewed> renewed = lessor.Renew(LeaseId(1), kStart + 6s);
    ASSERT_TRUE(renewed.ok());
    EXPECT_TRUE(renewed->clear_checkpoint);
    lessor.OnCheckpointed(kv::LeaseCheckpoint{.id = LeaseId(1), .remaining_ttl = 0});
    renewed = lessor.Renew(LeaseId(1), kStart + 7s);
    ASSERT_TRUE(renewed.ok());
    EXPECT_FALSE(renewed->clear_checkpoint);
}

// A leader change: the old leader checkpoints, dies; the new leader restarts each lease from
// its checkpoint (or its full TTL) plus the election timeout, never earlier.
TEST(Lessor, NewLeaderRestartsLeasesFromCheckpointsPlusExtension) {
    Lessor old_leader(TestOptions());
    old_leader.Promote({}, kStart);
    old_leader.OnGranted(LeaseId(1), 60, kStart);
    old_leader.OnGranted(LeaseId(2), 4, kStart);
    const std::vector<kv::LeaseCheckpoint> due = old_leader.TakeCheckpointsDue(kStart + 20s, 10);
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(due[0].remaining_ttl, 40);
    old_leader.Demote();
    EXPECT_EQ(old_leader.size(), 0U);

    // The store as every member applied it: lease 1 with its checkpoint, lease 2 without.
    Lessor new_leader(TestOptions());
    const TimePoint elected = kStart + 22s;
    new_leader.Promote({Status(1, 60, due[0].remaining_ttl), Status(2, 4)}, elected);
    EXPECT_EQ(new_leader.Remaining(LeaseId(1), elected), 41s);  // 40 + 1 s extension
    EXPECT_EQ(new_leader.Remaining(LeaseId(2), elected), 5s);   // full 4 s + 1 s extension
    EXPECT_TRUE(new_leader.TakeExpired(elected + 4999ms, 10).empty());
    EXPECT_EQ(new_leader.TakeExpired(elected + 5s, 10), std::vector<LeaseId>{LeaseId(2)});
    new_leader.OnRevoked(LeaseId(2));  // its revoke entry applied
    EXPECT_TRUE(new_leader.TakeExpired(elected + 40s, 10).empty());
    EXPECT_EQ(new_leader.TakeExpired(elected + 41s, 10), std::vector<LeaseId>{LeaseId(1)});
    new_leader.CheckInvariants();
}

TEST(Lessor, ClearedCheckpointMeansFullTtlOnPromote) {
    Lessor lessor(TestOptions());
    lessor.Promote({Status(1, 30, 0)}, kStart);
    EXPECT_EQ(lessor.Remaining(LeaseId(1), kStart), 31s);
    // A kept-alive lease on the new leader does not ask to clear a cleared checkpoint.
    absl::StatusOr<Lessor::Renewed> renewed = lessor.Renew(LeaseId(1), kStart + 1s);
    ASSERT_TRUE(renewed.ok());
    EXPECT_FALSE(renewed->clear_checkpoint);
}

TEST(Lessor, KeptAliveLeaseSurvivesLeaderChange) {
    // The client renews a 3 s lease every second on the old leader; the leader dies and the
    // new one is elected 2.5 s after the last renewal; the client reaches it 0.5 s later.
    Lessor old_leader(TestOptions());
    old_leader.Promote({}, kStart);
    old_leader.OnGranted(LeaseId(5), 3, kStart);
    TimePoint now = kStart;
    for (int i = 0; i < 5; ++i) {
        now += 1s;
        ASSERT_TRUE(old_leader.Renew(LeaseId(5), now).ok());
    }
    Lessor new_leader(TestOptions());
    const TimePoint elected = now + 2500ms;
    new_leader.Promote({Status(5, 3)}, elected);
    EXPECT_TRUE(new_leader.TakeExpired(elected + 500ms, 10).empty());
    ASSERT_TRUE(new_leader.Renew(LeaseId(5), elected + 500ms).ok());
    EXPECT_TRUE(new_leader.TakeExpired(elected + 3s, 10).empty());
}

}  // namespace
}  // namespace keel::server
