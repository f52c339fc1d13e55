#include "server/kv_translation.h"

#include <gtest/gtest.h>

#include "kv/limits.h"

namespace keel::server {
namespace {

TEST(KvTranslation, RangeCarriesEveryField) {
    pb::RangeRequest in;
    in.set_key("a");
    in.set_range_end("b");
    in.set_limit(7);
    in.set_revision(42);
    in.set_sort_order(pb::RangeRequest::DESCEND);
    in.set_sort_target(pb::RangeRequest::MOD);
    in.set_serializable(true);
    in.set_keys_only(true);
    in.set_count_only(true);
    in.set_min_mod_revision(1);
    in.set_max_mod_revision(2);
    in.set_min_create_revision(3);
    in.set_max_create_revision(4);
    const auto out = FromProto(in);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(out->key, "a");
    EXPECT_EQ(out->range_end, "b");
    EXPECT_EQ(out->limit, 7);
    EXPECT_EQ(out->revision, Revision(42));
    EXPECT_EQ(out->sort_order, kv::SortOrder::kDescend);
    EXPECT_EQ(out->sort_target, kv::SortTarget::kMod);
    EXPECT_TRUE(out->serializable && out->keys_only && out->count_only);
    EXPECT_EQ(out->min_mod_revision, Revision(1));
    EXPECT_EQ(out->max_mod_revision, Revision(2));
    EXPECT_EQ(out->min_create_revision, Revision(3));
    EXPECT_EQ(out->max_create_revision, Revision(4));
}

TEST(KvTranslation, NegativeRevisionMeansCurrent) {
    pb::RangeRequest in;
    in.set_key("a");
    in.set_revision(-5);
    EXPECT_TRUE(FromProto(in)->revision.is_none());
}

TEST(KvTranslation, EmptyKeysAreRejectedAsEtcdDoes) {
    const absl::Status expected = absl::InvalidArgumentError("etcdserver: key is not provided");
    EXPECT_EQ(FromProto(pb::RangeRequest()).status(), expected);
    EXPECT_EQ(FromProto(pb::PutRequest()).status(), expected);
    EXPECT_EQ(FromProto(pb::DeleteRangeRequest()).status(), expected);
    pb::TxnRequest txn;
    txn.add_compare()->set_value("v");
    EXPECT_EQ(FromProto(txn).status(), expected);
    pb::TxnRequest nested;
    nested.add_success()->mutable_request_put()->set_value("v");
    EXPECT_EQ(FromProto(nested).status(), expected);
}

TEST(KvTranslation, UnknownEnumValuesAreInvalidArguments) {
    pb::RangeRequest in;
    in.set_key("a");
    in.set_sort_order(static_cast<pb::RangeRequest::SortOrder>(9));
    EXPECT_EQ(FromProto(in).status().code(), absl::StatusCode::kInvalidArgument);
    pb::TxnRequest txn;
    pb::Compare* cmp = txn.add_compare();
    cmp->set_key("k");
    cmp->set_target(static_cast<pb::Compare::CompareTarget>(17));
    EXPECT_EQ(FromProto(txn).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KvTranslation, TxnKeepsBranchesAndCompareOperands) {
    pb::TxnRequest in;
    pb::Compare* cmp = in.add_compare();
    cmp->set_key("k");
    cmp->set_target(pb::Compare::MOD);
    cmp->set_result(pb::Compare::LESS);
    cmp->set_mod_revision(-1);
    in.add_success()->mutable_request_put()->set_key("k");
    in.add_success()->mutable_request_txn()->add_failure()->mutable_request_range()->set_key("r");
    in.add_failure()->mutable_request_delete_range()->set_key("d");
    const auto out = FromProto(in);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->compare.size(), 1u);
    EXPECT_EQ(out->compare[0].target, kv::CompareTarget::kMod);
    EXPECT_EQ(out->compare[0].result, kv::CompareResult::kLess);
    EXPECT_EQ(out->compare[0].mod_revision, -1);
    ASSERT_EQ(out->success.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<kv::PutRequest>(out->success[0].request));
    const auto& nested = std::get<kv::TxnRequest>(out->success[1].request);
    ASSERT_EQ(nested.failure.size(), 1u);
    EXPECT_EQ(std::get<kv::RangeRequest>(nested.failure[0].request).key, "r");
    EXPECT_EQ(std::get<kv::DeleteRangeRequest>(out->failure[0].request).key, "d");
}

TEST(KvTranslation, TxnNestingIsBounded) {
    pb::TxnRequest root;
    pb::TxnRequest* txn = &root;
    for (size_t depth = 1; depth <= kv::kTxnDepthMax; ++depth) {
        txn = txn->add_success()->mutable_request_txn();
    }
    EXPECT_EQ(FromProto(root).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KvTranslation, TxnWithoutRequestInOpIsRejected) {
    pb::TxnRequest in;
    in.add_success();
    EXPECT_EQ(FromProto(in).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KvTranslation, ResponsesRoundTripTheirFields) {
    const kv::KeyValue kv{.key = "k",
                          .create_revision = Revision(2),
                          .mod_revision = Revision(3),
                          .version = 2,
                          .value = "v",
                          .lease = LeaseId(9)};
    kv::TxnResponse txn{.header = {.revision = Revision(3)}, .succeeded = true};
    txn.responses.push_back(kv::ResponseOp{kv::PutResponse{.prev_kv = kv}});
    txn.responses.push_back(
        kv::ResponseOp{kv::RangeResponse{.kvs = {kv}, .more = true, .count = 5}});
    pb::TxnResponse out;
    ToProto(txn, &out);
    EXPECT_EQ(out.header().revision(), 3);
    EXPECT_TRUE(out.succeeded());
    ASSERT_EQ(out.responses_size(), 2);
    const mvccpb::KeyValue& prev = out.responses(0).response_put().prev_kv();
    EXPECT_EQ(prev.key(), "k");
    EXPECT_EQ(prev.create_revision(), 2);
    EXPECT_EQ(prev.mod_revision(), 3);
    EXPECT_EQ(prev.version(), 2);
    EXPECT_EQ(prev.value(), "v");
    EXPECT_EQ(prev.lease(), 9);
    EXPECT_TRUE(out.responses(1).response_range().more());
    EXPECT_EQ(out.responses(1).response_range().count(), 5);

    pb::DeleteRangeResponse deleted;
    ToProto(kv::DeleteRangeResponse{.deleted = 1, .prev_kvs = {kv}}, &deleted);
    EXPECT_EQ(deleted.deleted(), 1);
    EXPECT_EQ(deleted.prev_kvs_size(), 1);
    pb::PutResponse put;
    ToProto(kv::PutResponse{}, &put);
    EXPECT_FALSE(put.has_prev_kv());
}

}  // namespace
}  // namespace keel::server
