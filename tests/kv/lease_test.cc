// Leases: grant, attach, revoke, checkpoint, time-to-live data.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/limits.h"
#include "kv/mvcc_store.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

using testing::StoreTest;

class MvccLease : public StoreTest {
protected:
    LeaseId Grant(int64_t ttl, LeaseId id = LeaseId()) {
        auto result = store_->ApplyLeaseGrant(Next(), {.ttl = ttl, .id = id});
        KEEL_ASSERT_MSG(result.response.ok(), "%s", result.response.status().ToString());
        EXPECT_EQ(result.response->ttl, ttl);
        return result.response->id;
    }

    LeaseTimeToLiveResponse TimeToLive(LeaseId id) {
        auto response = store_->LeaseTimeToLive({.id = id, .keys = true});
        KEEL_ASSERT_MSG(response.ok(), "%s", response.status().ToString());
        return *std::move(response);
    }
};

TEST_F(MvccLease, GrantChoosesIdsDeterministically) {
    EXPECT_EQ(Grant(10, LeaseId(2)), LeaseId(2));
    EXPECT_EQ(Grant(10), LeaseId(1));
    EXPECT_EQ(Grant(10), LeaseId(3));  // 2 is taken.
    EXPECT_EQ(Grant(10), LeaseId(4));
    // Granting does not create a revision.
    EXPECT_EQ(store_->revision(), Revision(1));
}

TEST_F(MvccLease, GrantErrors) {
    Grant(10, LeaseId(5));
    auto exists = store_->ApplyLeaseGrant(Next(), {.ttl = 10, .id = LeaseId(5)});
    EXPECT_EQ(exists.response.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(exists.response.status().message(), "etcdserver: lease already exists");
    auto too_long = store_->ApplyLeaseGrant(Next(), {.ttl = kLeaseTtlSecondsMax + 1});
    EXPECT_EQ(too_long.response.status().message(), "etcdserver: too large lease TTL");
    auto negative = store_->ApplyLeaseGrant(Next(), {.ttl = -1});
    EXPECT_EQ(negative.response.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MvccLease, RevokeDeletesAttachedKeysInOneRevision) {
    const LeaseId lease = Grant(30);
    Put("a", "1", lease);  // 2
    Put("b", "2", lease);  // 3
    Put("c", "3");         // 4
    EXPECT_EQ(TimeToLive(lease).keys, (std::vector<std::string>{"a", "b"}));
    auto result = store_->ApplyLeaseRevoke(Next(), {.id = lease});
    ASSERT_TRUE(result.response.ok()) << result.response.status();
    EXPECT_EQ(result.response->header.revision, Revision(5));
    ASSERT_EQ(result.events.size(), 2u);
    EXPECT_EQ(result.events[0].type, EventType::kDelete);
    EXPECT_EQ(result.events[0].kv.key, "a");
    EXPECT_EQ(result.events[1].kv.key, "b");
    EXPECT_EQ(result.events[1].kv.mod_revision, Revision(5));
    EXPECT_EQ(Get({.key = "a", .range_end = "z"}).count, 1);
    EXPECT_EQ(store_->LeaseTimeToLive({.id = lease}).status().code(), absl::StatusCode::kNotFound);
    auto again = store_->ApplyLeaseRevoke(Next(), {.id = lease});
    EXPECT_EQ(again.response.status().message(), "etcdserver: requested lease not found");
}

TEST_F(MvccLease, RevokingALeaseWithoutKeysKeepsTheRevision) {
    const LeaseId lease = Grant(30);
    auto result = store_->ApplyLeaseRevoke(Next(), {.id = lease});
    ASSERT_TRUE(result.response.ok());
    EXPECT_TRUE(result.events.empty());
    EXPECT_EQ(store_->revision(), Revision(1));
}

TEST_F(MvccLease, KeysMoveBetweenLeasesAndLeaveOnDelete) {
    const LeaseId first = Grant(30);
    const LeaseId second = Grant(30);
    Put("a", "1", first);
    Put("b", "1", first);
    Put("a", "2", second);
    Put("b", "2");  // No lease: detaches b.
    EXPECT_TRUE(TimeToLive(first).keys.empty());
    EXPECT_EQ(TimeToLive(second).keys, (std::vector<std::string>{"a"}));
    Delete("a");
    EXPECT_TRUE(TimeToLive(second).keys.empty());
    // Revoking `first` now deletes nothing: b is no longer attached.
    ASSERT_TRUE(store_->ApplyLeaseRevoke(Next(), {.id = first}).response.ok());
    EXPECT_EQ(Get({.key = "b"}).kvs.at(0).value, "2");
}

TEST_F(MvccLease, CheckpointStoresTheRemainingTtlHint) {
    const LeaseId lease = Grant(60);
    EXPECT_FALSE(TimeToLive(lease).remaining_ttl_hint.has_value());
    auto result = store_->ApplyLeaseCheckpoint(
        Next(), {.checkpoints = {{.id = lease, .remaining_ttl = 42}, {.id = LeaseId(99)}}});
    ASSERT_TRUE(result.response.ok());
    EXPECT_EQ(TimeToLive(lease).remaining_ttl_hint, 42);
    EXPECT_EQ(TimeToLive(lease).granted_ttl, 60);
    Reopen();
    EXPECT_EQ(TimeToLive(lease).remaining_ttl_hint, 42);
    const LeaseLeasesResponse leases = store_->LeaseLeases();
    ASSERT_EQ(leases.leases.size(), 1u);
    EXPECT_EQ(leases.leases[0].id, lease);
}

TEST_F(MvccLease, LeaseStateSurvivesReopen) {
    const LeaseId lease = Grant(30);
    Put("a", "1", lease);
    Reopen();
    EXPECT_EQ(TimeToLive(lease).keys, (std::vector<std::string>{"a"}));
    // The auto-id sequence survives too.
    EXPECT_EQ(Grant(5), LeaseId(2));
}

}  // namespace
}  // namespace keel::kv
