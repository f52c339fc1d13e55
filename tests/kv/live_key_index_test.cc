// LiveKeyIndex: the in-memory latest revision of each live key, on its own and as the store
// keeps it across puts, deletes, failed txns, lease revocation, compaction and reopening.
// (StoreTest's TearDown audits every store with CheckInvariants, which rebuilds the index.)
#include <string>

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/live_key_index.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

using testing::StoreTest;

class LiveKeyIndexInStore : public StoreTest {};

TEST(LiveKeyIndex, SetFindAndErase) {
    LiveKeyIndex index;
    EXPECT_FALSE(index.Find("a").has_value());
    index.Set("a", FullRevision{.main = Revision(2), .sub = 0});
    index.Set("b", FullRevision{.main = Revision(3), .sub = 1});
    index.Set("a", FullRevision{.main = Revision(4), .sub = 0});
    EXPECT_EQ(index.Find("a"), (FullRevision{.main = Revision(4), .sub = 0}));
    EXPECT_EQ(index.size(), 2u);
    index.Set("b", std::nullopt);
    index.Set("never", std::nullopt);
    EXPECT_FALSE(index.Find("b").has_value());
    EXPECT_EQ(index.size(), 1u);
}

TEST_F(LiveKeyIndexInStore, DeleteThenPutStartsANewGeneration) {
    Put("a", "1");
    Put("a", "2");
    EXPECT_EQ(Delete("a"), 1);
    const Revision recreated = Put("a", "3");
    const KeyValue a = Get({.key = "a"}).kvs.at(0);
    EXPECT_EQ(a.version, 1);
    EXPECT_EQ(a.create_revision, recreated);
}

TEST_F(LiveKeyIndexInStore, AFailedTxnLeavesTheIndexUntouched) {
    Put("a", "1");
    Put("b", "1");
    // Puts "a" and deletes "b", then fails on a lease that does not exist: nothing applies.
    TxnRequest txn;
    txn.success.push_back({PutRequest{.key = "a", .value = "2"}});
    txn.success.push_back({DeleteRangeRequest{.key = "b"}});
    txn.success.push_back({PutRequest{.key = "c", .value = "x", .lease = LeaseId(99)}});
    auto failed = store_->ApplyTxn(Next(), txn);
    ASSERT_EQ(failed.response.status(), LeaseNotFoundError());
    auto put = store_->ApplyPut(Next(), {.key = "a", .value = "3", .prev_kv = true});
    ASSERT_TRUE(put.response.ok());
    ASSERT_TRUE(put.response->prev_kv.has_value());
    EXPECT_EQ(put.response->prev_kv->value, "1");
    EXPECT_EQ(Get({.key = "a"}).kvs.at(0).version, 2);
    put = store_->ApplyPut(Next(), {.key = "b", .value = "2", .prev_kv = true});
    ASSERT_TRUE(put.response->prev_kv.has_value());
    EXPECT_EQ(Get({.key = "b"}).kvs.at(0).version, 2);
}

TEST_F(LiveKeyIndexInStore, ATxnsDeletesAndPutsReachTheIndex) {
    Put("a", "1");
    Put("b", "1");
    TxnRequest txn;
    txn.success.push_back({DeleteRangeRequest{.key = "a"}});
    txn.success.push_back({PutRequest{.key = "b", .value = "2"}});
    txn.success.push_back({PutRequest{.key = "c", .value = "1"}});
    ASSERT_TRUE(store_->ApplyTxn(Next(), txn).response.ok());
    auto put = store_->ApplyPut(Next(), {.key = "a", .value = "2", .prev_kv = true});
    EXPECT_FALSE(put.response->prev_kv.has_value());
    EXPECT_EQ(Get({.key = "a"}).kvs.at(0).version, 1);
    put = store_->ApplyPut(Next(), {.key = "b", .value = "3", .prev_kv = true});
    EXPECT_EQ(put.response->prev_kv->value, "2");
    EXPECT_EQ(Get({.key = "b"}).kvs.at(0).version, 3);
    EXPECT_EQ(Get({.key = "c"}).kvs.at(0).version, 1);
}

TEST_F(LiveKeyIndexInStore, RevokedLeaseKeysLeaveTheIndex) {
    ASSERT_TRUE(store_->ApplyLeaseGrant(Next(), {.ttl = 60, .id = LeaseId(7)}).response.ok());
    Put("a", "1", LeaseId(7));
    ASSERT_TRUE(store_->ApplyLeaseRevoke(Next(), {.id = LeaseId(7)}).response.ok());
    EXPECT_EQ(Get({.key = "a"}).count, 0);
    auto put = store_->ApplyPut(Next(), {.key = "a", .value = "2", .prev_kv = true});
    ASSERT_TRUE(put.response.ok());
    EXPECT_FALSE(put.response->prev_kv.has_value());
}

TEST_F(LiveKeyIndexInStore, IsRebuiltOnReopenAfterCompaction) {
    Put("a", "1");
    Put("b", "1");
    Put("a", "2");
    Delete("b");
    const Revision last = Put("c", "1");
    ASSERT_TRUE(store_->ApplyCompaction(Next(), {.revision = last}).response.ok());
    Reopen();
    store_->CheckInvariants();
    auto put = store_->ApplyPut(Next(), {.key = "a", .value = "3", .prev_kv = true});
    ASSERT_TRUE(put.response.ok());
    ASSERT_TRUE(put.response->prev_kv.has_value());
    EXPECT_EQ(put.response->prev_kv->value, "2");
    EXPECT_EQ(Get({.key = "a"}).kvs.at(0).version, 3);
    EXPECT_EQ(Get({.key = "b"}).count, 0);
}

}  // namespace
}  // namespace keel::kv
