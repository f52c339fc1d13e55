#include "keel/txn.h"

#include <gtest/gtest.h>

#include "client/kv_conversion.h"

namespace keel::client {
namespace {

namespace pb = ::etcdserverpb;

TEST(TxnBuilder, CompareAndSwapBecomesOneEtcdTxn) {
    Txn txn;
    txn.If(Compare::Value("counter", CompareOp::kEqual, "41"))
        .If(Compare::ModRevision("counter", CompareOp::kLess, 100))
        .ThenPut("counter", "42", {.lease = 5})
        .ElseGet("counter");
    const pb::TxnRequest& request = txn.request();
    ASSERT_EQ(request.compare_size(), 2);
    EXPECT_EQ(request.compare(0).key(), "counter");
    EXPECT_EQ(request.compare(0).target(), pb::Compare::VALUE);
    EXPECT_EQ(request.compare(0).result(), pb::Compare::EQUAL);
    EXPECT_EQ(request.compare(0).value(), "41");
    EXPECT_EQ(request.compare(1).target(), pb::Compare::MOD);
    EXPECT_EQ(request.compare(1).result(), pb::Compare::LESS);
    EXPECT_EQ(request.compare(1).mod_revision(), 100);
    ASSERT_EQ(request.success_size(), 1);
    EXPECT_EQ(request.success(0).request_put().key(), "counter");
    EXPECT_EQ(request.success(0).request_put().value(), "42");
    EXPECT_EQ(request.success(0).request_put().lease(), 5);
    ASSERT_EQ(request.failure_size(), 1);
    EXPECT_EQ(request.failure(0).request_range().key(), "counter");
}

TEST(TxnBuilder, EveryTargetAndOperator) {
    Txn txn;
    txn.If(Compare::Version("a", CompareOp::kGreater, 2))
        .If(Compare::CreateRevision("b", CompareOp::kNotEqual, 0))
        .If(Compare::Lease("c", CompareOp::kEqual, 9).WithRangeEnd("d"));
    const pb::TxnRequest& request = txn.request();
    ASSERT_EQ(request.compare_size(), 3);
    EXPECT_EQ(request.compare(0).target(), pb::Compare::VERSION);
    EXPECT_EQ(request.compare(0).result(), pb::Compare::GREATER);
    EXPECT_EQ(request.compare(0).version(), 2);
    EXPECT_EQ(request.compare(1).target(), pb::Compare::CREATE);
    EXPECT_EQ(request.compare(1).result(), pb::Compare::NOT_EQUAL);
    EXPECT_EQ(request.compare(2).target(), pb::Compare::LEASE);
    EXPECT_EQ(request.compare(2).lease(), 9);
    EXPECT_EQ(request.compare(2).range_end(), "d");
    EXPECT_EQ(request.success_size(), 0);
    EXPECT_EQ(request.failure_size(), 0);
}

TEST(TxnBuilder, PrefixOptionsBecomeRangeEnds) {
    Txn txn;
    txn.ThenGet("dir/", {.prefix = true, .limit = 3, .keys_only = true})
        .ThenDelete("dir/", {.prefix = true, .prev_kv = true})
        .ElseDelete("x", {.range_end = "z"})
        .ElsePut("k", "v");
    const pb::TxnRequest& request = txn.request();
    ASSERT_EQ(request.success_size(), 2);
    EXPECT_EQ(request.success(0).request_range().range_end(), "dir0");
    EXPECT_EQ(request.success(0).request_range().limit(), 3);
    EXPECT_TRUE(request.success(0).request_range().keys_only());
    EXPECT_EQ(request.success(1).request_delete_range().range_end(), "dir0");
    EXPECT_TRUE(request.success(1).request_delete_range().prev_kv());
    ASSERT_EQ(request.failure_size(), 2);
    EXPECT_EQ(request.failure(0).request_delete_range().range_end(), "z");
    EXPECT_EQ(request.failure(1).request_put().value(), "v");
}

TEST(PrefixRangeEnd, IncrementsTheLastByteBelowFF) {
    EXPECT_EQ(PrefixRangeEnd("a"), "b");
    EXPECT_EQ(PrefixRangeEnd("a\xff"), "b");
    EXPECT_EQ(PrefixRangeEnd("\xff\xff"), std::string(1, '\0'));
    EXPECT_EQ(PrefixRangeEnd(""), std::string(1, '\0'));
}

TEST(TxnResponse, OpResultsKeepTheirKindAndOrder) {
    pb::TxnResponse response;
    response.mutable_header()->set_revision(12);
    response.set_succeeded(true);
    response.add_responses()->mutable_response_put()->mutable_header()->set_revision(12);
    auto* range = response.add_responses()->mutable_response_range();
    range->add_kvs()->set_key("k");
    range->set_count(1);
    response.add_responses()->mutable_response_delete_range()->set_deleted(2);
    const TxnResult result = FromProto(response);
    EXPECT_EQ(result.revision, 12);
    EXPECT_TRUE(result.succeeded);
    ASSERT_EQ(result.results.size(), 3u);
    EXPECT_EQ(std::get<PutResult>(result.results[0]).revision, 12);
    EXPECT_EQ(std::get<GetResult>(result.results[1]).kvs.at(0).key, "k");
    EXPECT_EQ(std::get<DeleteResult>(result.results[2]).deleted, 2);
}

}  // namespace
}  // namespace keel::client
