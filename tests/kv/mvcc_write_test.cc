// Put and DeleteRange: revisions, versions, prev_kv, the ignore_* flags, events, replay.
#include <string>

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/mvcc_store.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

using testing::StoreTest;

class MvccPut : public StoreTest {};

class MvccDelete : public StoreTest {};

class MvccApply : public StoreTest {};

TEST_F(MvccPut, EachPutIsOneRevisionAndCountsVersions) {
    EXPECT_EQ(Put("a", "1"), Revision(2));
    EXPECT_EQ(Put("b", "1"), Revision(3));
    EXPECT_EQ(Put("a", "2"), Revision(4));
    const KeyValue a = Get({.key = "a"}).kvs.at(0);
    EXPECT_EQ(a.create_revision, Revision(2));
    EXPECT_EQ(a.mod_revision, Revision(4));
    EXPECT_EQ(a.version, 2);
    EXPECT_EQ(store_->revision(), Revision(4));
}

TEST_F(MvccPut, PrevKvReturnsTheReplacedVersion) {
    auto first = store_->ApplyPut(Next(), {.key = "a", .value = "1", .prev_kv = true});
    ASSERT_TRUE(first.response.ok());
    EXPECT_FALSE(first.response->prev_kv.has_value());
    auto second = store_->ApplyPut(Next(), {.key = "a", .value = "2", .prev_kv = true});
    ASSERT_TRUE(second.response.ok());
    ASSERT_TRUE(second.response->prev_kv.has_value());
    EXPECT_EQ(second.response->prev_kv->value, "1");
    EXPECT_EQ(second.response->prev_kv->mod_revision, Revision(2));
    auto third = store_->ApplyPut(Next(), {.key = "a", .value = "3"});
    EXPECT_FALSE(third.response->prev_kv.has_value());
}

TEST_F(MvccPut, ProducesAPutEventWithPrevKv) {
    Put("a", "1");
    auto result = store_->ApplyPut(Next(), {.key = "a", .value = "2"});
    ASSERT_EQ(result.events.size(), 1u);
    const Event& event = result.events[0];
    EXPECT_EQ(event.type, EventType::kPut);
    EXPECT_EQ(event.kv.value, "2");
    EXPECT_EQ(event.kv.mod_revision, Revision(3));
    ASSERT_TRUE(event.prev_kv.has_value());
    EXPECT_EQ(event.prev_kv->value, "1");
}

TEST_F(MvccPut, IgnoreValueKeepsTheValue) {
    Put("a", "keep");
    auto result = store_->ApplyPut(Next(), {.key = "a", .ignore_value = true});
    ASSERT_TRUE(result.response.ok()) << result.response.status();
    const KeyValue a = Get({.key = "a"}).kvs.at(0);
    EXPECT_EQ(a.value, "keep");
    EXPECT_EQ(a.version, 2);
}

TEST_F(MvccPut, IgnoreValueOnAMissingKeyIsAnError) {
    auto result = store_->ApplyPut(Next(), {.key = "a", .ignore_value = true});
    EXPECT_EQ(result.response.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(result.response.status().message(), "etcdserver: key not found");
    EXPECT_TRUE(result.events.empty());
    // The entry is applied (every replica reached the same error) and nothing else changed.
    EXPECT_EQ(store_->applied_index(), Index(1));
    EXPECT_EQ(store_->revision(), Revision(1));
}

TEST_F(MvccPut, IgnoreValueWithAValueIsAnError) {
    Put("a", "1");
    auto result = store_->ApplyPut(Next(), {.key = "a", .value = "x", .ignore_value = true});
    EXPECT_EQ(result.response.status().message(), "etcdserver: value is provided");
}

TEST_F(MvccPut, IgnoreLeaseKeepsTheLease) {
    ASSERT_TRUE(store_->ApplyLeaseGrant(Next(), {.ttl = 10, .id = LeaseId(5)}).response.ok());
    Put("a", "1", LeaseId(5));
    auto result = store_->ApplyPut(Next(), {.key = "a", .value = "2", .ignore_lease = true});
    ASSERT_TRUE(result.response.ok()) << result.response.status();
    EXPECT_EQ(Get({.key = "a"}).kvs.at(0).lease, LeaseId(5));
    auto with_lease = store_->ApplyPut(
        Next(), {.key = "a", .value = "3", .lease = LeaseId(5), .ignore_lease = true});
    EXPECT_EQ(with_lease.response.status().message(), "etcdserver: lease is provided");
    auto missing = store_->ApplyPut(Next(), {.key = "b", .ignore_lease = true});
    EXPECT_EQ(missing.response.status().message(), "etcdserver: key not found");
}

TEST_F(MvccPut, UnknownLeaseIsNotFound) {
    auto result = store_->ApplyPut(Next(), {.key = "a", .value = "1", .lease = LeaseId(9)});
    EXPECT_EQ(result.response.status().code(), absl::StatusCode::kNotFound);
    EXPECT_EQ(result.response.status().message(), "etcdserver: requested lease not found");
    EXPECT_TRUE(Get({.key = "a"}).kvs.empty());
}

TEST_F(MvccPut, EmptyKeyIsRejected) {
    auto result = store_->ApplyPut(Next(), {.key = "", .value = "1"});
    EXPECT_EQ(result.response.status().message(), "etcdserver: key is not provided");
}

TEST_F(MvccDelete, DeletesARangeInOneRevision) {
    Put("a", "1");
    Put("b", "2");
    Put("c", "3");
    auto result = store_->ApplyDeleteRange(Next(), {.key = "a", .range_end = "c", .prev_kv = true});
    ASSERT_TRUE(result.response.ok());
    EXPECT_EQ(result.response->deleted, 2);
    EXPECT_EQ(result.response->header.revision, Revision(5));
    ASSERT_EQ(result.response->prev_kvs.size(), 2u);
    EXPECT_EQ(result.response->prev_kvs[1].value, "2");
    ASSERT_EQ(result.events.size(), 2u);
    EXPECT_EQ(result.events[0].type, EventType::kDelete);
    EXPECT_EQ(result.events[0].kv.key, "a");
    EXPECT_EQ(result.events[0].kv.mod_revision, Revision(5));
    EXPECT_EQ(result.events[0].prev_kv->value, "1");
    EXPECT_EQ(Get({.key = "a", .range_end = "z"}).count, 1);
}

TEST_F(MvccDelete, DeletingNothingKeepsTheRevision) {
    Put("a", "1");
    auto result = store_->ApplyDeleteRange(Next(), {.key = "b"});
    ASSERT_TRUE(result.response.ok());
    EXPECT_EQ(result.response->deleted, 0);
    EXPECT_EQ(result.response->header.revision, Revision(2));
    EXPECT_EQ(store_->revision(), Revision(2));
    EXPECT_TRUE(result.events.empty());
}

TEST_F(MvccDelete, VersionRestartsAfterDelete) {
    Put("a", "1");  // 2
    Put("a", "2");  // 3
    Delete("a");    // 4
    Put("a", "3");  // 5
    const KeyValue a = Get({.key = "a"}).kvs.at(0);
    EXPECT_EQ(a.version, 1);
    EXPECT_EQ(a.create_revision, Revision(5));
    // The tombstone stays in history: the old generation is still readable.
    EXPECT_EQ(Get({.key = "a", .revision = Revision(3)}).kvs.at(0).version, 2);
}

TEST_F(MvccApply, ReplayingAnAppliedIndexIsANoop) {
    auto first = store_->ApplyPut(ApplyContext{Index(5)}, {.key = "a", .value = "1"});
    ASSERT_TRUE(first.response.ok());
    for (uint64_t index : {3u, 5u}) {
        auto again = store_->ApplyPut(ApplyContext{Index(index)}, {.key = "a", .value = "x"});
        EXPECT_EQ(again.outcome, ApplyOutcome::kAlreadyApplied);
        EXPECT_EQ(again.response.status().code(), absl::StatusCode::kAborted);
        EXPECT_TRUE(again.events.empty());
    }
    EXPECT_EQ(Get({.key = "a"}).kvs.at(0).value, "1");
    EXPECT_EQ(store_->revision(), Revision(2));
    EXPECT_EQ(store_->ApplyNoop(ApplyContext{Index(6)}), ApplyOutcome::kApplied);
    EXPECT_EQ(store_->applied_index(), Index(6));
    EXPECT_EQ(store_->revision(), Revision(2));
}

TEST_F(MvccApply, DispatchesEveryWriteRequest) {
    auto grant = store_->Apply(Next(), LeaseGrantRequest{.ttl = 5});
    ASSERT_TRUE(grant.response.ok());
    const LeaseId lease = std::get<LeaseGrantResponse>(*grant.response).id;
    auto put = store_->Apply(Next(), PutRequest{.key = "a", .value = "1", .lease = lease});
    ASSERT_TRUE(put.response.ok());
    EXPECT_EQ(std::get<PutResponse>(*put.response).header.revision, Revision(2));
    EXPECT_EQ(put.events.size(), 1u);
    auto txn = store_->Apply(Next(), TxnRequest{.success = {RequestOp{PutRequest{.key = "b"}}}});
    EXPECT_TRUE(std::get<TxnResponse>(*txn.response).succeeded);
    auto checkpoint = store_->Apply(
        Next(), LeaseCheckpointRequest{.checkpoints = {{.id = lease, .remaining_ttl = 3}}});
    EXPECT_TRUE(std::holds_alternative<LeaseCheckpointResponse>(*checkpoint.response));
    auto revoke = store_->Apply(Next(), LeaseRevokeRequest{.id = lease});
    EXPECT_EQ(revoke.events.size(), 1u);
    auto del = store_->Apply(Next(), DeleteRangeRequest{.key = "b"});
    EXPECT_EQ(std::get<DeleteRangeResponse>(*del.response).deleted, 1);
    auto compact = store_->Apply(Next(), CompactionRequest{.revision = Revision(9)});
    EXPECT_TRUE(IsFutureRevision(compact.response.status()));
    auto replay = store_->Apply(ApplyContext{Index(1)}, PutRequest{.key = "c"});
    EXPECT_EQ(replay.outcome, ApplyOutcome::kAlreadyApplied);
    EXPECT_EQ(store_->applied_index(), Index(7));
}

TEST(MvccApplyDeathTest, IndexZeroIsABug) {
    // RocksDB runs background threads; re-executing the binary keeps the child sane.
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    testing::ScratchDir dir;
    auto store = MvccStore::Open(dir.Sub("db"), {});
    ASSERT_TRUE(store.ok());
    EXPECT_DEATH((void)(*store)->ApplyPut(ApplyContext{Index(0)}, {.key = "a"}), "is_none");
}

}  // namespace
}  // namespace keel::kv
