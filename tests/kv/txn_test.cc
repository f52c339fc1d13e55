// Txn: compares, branches, nesting, atomicity and validation.
#include "kv/txn.h"

#include <string>

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/key_range.h"
#include "kv/mvcc_store.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

using testing::StoreTest;

class MvccTxn : public StoreTest {
protected:
    ApplyResult<TxnResponse> Txn(const TxnRequest& request) {
        return store_->ApplyTxn(Next(), request);
    }
};

RequestOp PutOp(const std::string& key, const std::string& value) {
    return RequestOp{PutRequest{.key = key, .value = value}};
}

RequestOp GetOp(const std::string& key, const std::string& range_end = "") {
    return RequestOp{RangeRequest{.key = key, .range_end = range_end}};
}

RequestOp DeleteOp(const std::string& key, const std::string& range_end = "") {
    return RequestOp{DeleteRangeRequest{.key = key, .range_end = range_end}};
}

Compare ValueIs(const std::string& key, const std::string& value) {
    return Compare{.result = CompareResult::kEqual,
                   .target = CompareTarget::kValue,
                   .key = key,
                   .value = value};
}

Compare VersionCompare(const std::string& key, CompareResult result, int64_t version) {
    return Compare{
        .result = result, .target = CompareTarget::kVersion, .key = key, .version = version};
}

TEST_F(MvccTxn, SuccessBranchRunsWhenComparesHold) {
    Put("a", "1");
    auto result = Txn({.compare = {ValueIs("a", "1")},
                       .success = {PutOp("b", "yes"), GetOp("a")},
                       .failure = {PutOp("b", "no")}});
    ASSERT_TRUE(result.response.ok()) << result.response.status();
    EXPECT_TRUE(result.response->succeeded);
    EXPECT_EQ(Get({.key = "b"}).kvs.at(0).value, "yes");
    ASSERT_EQ(result.response->responses.size(), 2u);
    const auto& range = std::get<RangeResponse>(result.response->responses[1].response);
    EXPECT_EQ(range.kvs.at(0).value, "1");
    EXPECT_EQ(range.header.revision, Revision(3));
}

TEST_F(MvccTxn, FailureBranchRunsWhenACompareFails) {
    Put("a", "1");
    auto result = Txn({.compare = {ValueIs("a", "1"), ValueIs("a", "2")},
                       .success = {PutOp("b", "yes")},
                       .failure = {PutOp("b", "no")}});
    ASSERT_TRUE(result.response.ok());
    EXPECT_FALSE(result.response->succeeded);
    EXPECT_EQ(Get({.key = "b"}).kvs.at(0).value, "no");
}

TEST_F(MvccTxn, AllWritesShareOneRevisionWithOrderedEvents) {
    auto result = Txn({.success = {PutOp("x", "1"), PutOp("y", "2"), PutOp("z", "3")}});
    ASSERT_TRUE(result.response.ok());
    EXPECT_EQ(result.response->header.revision, Revision(2));
    EXPECT_EQ(store_->revision(), Revision(2));
    ASSERT_EQ(result.events.size(), 3u);
    EXPECT_EQ(result.events[0].kv.key, "x");
    EXPECT_EQ(result.events[2].kv.key, "z");
    for (const Event& event : result.events) {
        EXPECT_EQ(event.kv.mod_revision, Revision(2));
    }
}

TEST_F(MvccTxn, ReadOnlyTxnKeepsTheRevision) {
    Put("a", "1");
    auto result = Txn({.success = {GetOp("a")}});
    ASSERT_TRUE(result.response.ok());
    EXPECT_EQ(result.response->header.revision, Revision(2));
    EXPECT_EQ(store_->revision(), Revision(2));
}

TEST_F(MvccTxn, LaterOperationsSeeEarlierWrites) {
    auto result = Txn({.success = {PutOp("a", "new"), GetOp("a", "z")}});
    ASSERT_TRUE(result.response.ok());
    const auto& range = std::get<RangeResponse>(result.response->responses[1].response);
    ASSERT_EQ(range.kvs.size(), 1u);
    EXPECT_EQ(range.kvs[0].value, "new");
    EXPECT_EQ(range.kvs[0].mod_revision, Revision(2));
}

TEST_F(MvccTxn, ComparesOnMissingKeys) {
    // An absent key has version, create and mod revision 0 ...
    auto absent = Txn({.compare = {VersionCompare("nope", CompareResult::kEqual, 0)},
                       .success = {PutOp("r1", "ok")}});
    EXPECT_TRUE(absent.response->succeeded);
    // ... but no value, not even the empty one (etcd's rule).
    auto value = Txn({.compare = {ValueIs("nope", "")}});
    EXPECT_FALSE(value.response->succeeded);
}

TEST_F(MvccTxn, CompareTargetsAndResults) {
    ASSERT_TRUE(store_->ApplyLeaseGrant(Next(), {.ttl = 5, .id = LeaseId(7)}).response.ok());
    Put("k", "m", LeaseId(7));  // rev 2, version 1
    Put("k", "n", LeaseId(7));  // rev 3, version 2
    const auto holds = [&](Compare compare) {
        auto result = Txn({.compare = {std::move(compare)}});
        KEEL_ASSERT(result.response.ok());
        return result.response->succeeded;
    };
    EXPECT_TRUE(holds({.result = CompareResult::kGreater,
                       .target = CompareTarget::kVersion,
                       .key = "k",
                       .version = 1}));
    EXPECT_FALSE(holds({.result = CompareResult::kLess,
                        .target = CompareTarget::kVersion,
                        .key = "k",
                        .version = 2}));
    EXPECT_TRUE(holds({.result = CompareResult::kEqual,
                       .target = CompareTarget::kCreate,
                       .key = "k",
                       .create_revision = 2}));
    EXPECT_TRUE(holds({.result = CompareResult::kNotEqual,
                       .target = CompareTarget::kMod,
                       .key = "k",
                       .mod_revision = 2}));
    EXPECT_TRUE(holds({.result = CompareResult::kLess,
                       .target = CompareTarget::kValue,
                       .key = "k",
                       .value = "o"}));
    EXPECT_TRUE(holds({.result = CompareResult::kEqual,
                       .target = CompareTarget::kLease,
                       .key = "k",
                       .lease = 7}));
    EXPECT_TRUE(holds({.result = CompareResult::kGreater,
                       .target = CompareTarget::kMod,
                       .key = "k",
                       .mod_revision = -1}));
}

TEST_F(MvccTxn, RangeCompareRequiresEveryKey) {
    Put("p/a", "1");
    Put("p/b", "1");
    Put("p/c", "2");
    const Compare all_one{.result = CompareResult::kEqual,
                          .target = CompareTarget::kValue,
                          .key = "p/",
                          .range_end = PrefixEnd("p/"),
                          .value = "1"};
    EXPECT_FALSE(Txn({.compare = {all_one}}).response->succeeded);
    Delete("p/c");
    EXPECT_TRUE(Txn({.compare = {all_one}}).response->succeeded);
}

TEST_F(MvccTxn, NestedTxnRunsItsOwnCompares) {
    Put("a", "1");
    TxnRequest inner{.compare = {ValueIs("b", "set")},
                     .success = {PutOp("c", "inner-success")},
                     .failure = {PutOp("c", "inner-failure")}};
    auto result =
        Txn({.compare = {ValueIs("a", "1")}, .success = {PutOp("b", "set"), RequestOp{inner}}});
    ASSERT_TRUE(result.response.ok()) << result.response.status();
    // The nested compare sees the outer txn's earlier write.
    EXPECT_EQ(Get({.key = "c"}).kvs.at(0).value, "inner-success");
    const auto& nested = std::get<TxnResponse>(result.response->responses[1].response);
    EXPECT_TRUE(nested.succeeded);
    EXPECT_EQ(nested.header.revision, Revision(3));
    EXPECT_EQ(store_->revision(), Revision(3));
}

TEST_F(MvccTxn, FailedOperationUndoesTheWholeTxn) {
    Put("a", "1");
    auto result = Txn(
        {.success = {PutOp("b", "2"), RequestOp{PutRequest{.key = "c", .lease = LeaseId(99)}}}});
    EXPECT_EQ(result.response.status().message(), "etcdserver: requested lease not found");
    EXPECT_TRUE(result.events.empty());
    EXPECT_TRUE(Get({.key = "b"}).kvs.empty());
    EXPECT_EQ(store_->revision(), Revision(2));
    EXPECT_EQ(store_->applied_index(), Index(2));
}

TEST_F(MvccTxn, RangeAtACompactedRevisionFailsTheTxn) {
    Put("a", "1");
    Put("a", "2");
    ASSERT_TRUE(store_->ApplyCompaction(Next(), {.revision = Revision(3)}).response.ok());
    auto result = Txn({.success = {PutOp("b", "x"),
                                   RequestOp{RangeRequest{.key = "a", .revision = Revision(2)}}}});
    EXPECT_TRUE(IsCompacted(result.response.status()));
    EXPECT_TRUE(Get({.key = "b"}).kvs.empty());
}

TEST_F(MvccTxn, DuplicateKeyIsRejected) {
    auto twice = Txn({.success = {PutOp("a", "1"), PutOp("a", "2")}});
    EXPECT_EQ(twice.response.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(twice.response.status().message(), "etcdserver: duplicate key given in txn request");
    auto put_in_delete = Txn({.success = {DeleteOp("a", "c"), PutOp("b", "1")}});
    EXPECT_EQ(put_in_delete.response.status().message(),
              "etcdserver: duplicate key given in txn request");
    EXPECT_TRUE(Get({.key = "a"}).kvs.empty());
}

TEST_F(MvccTxn, ReadTxnAnswersWithoutAnEntry) {
    Put("a", "1");
    const TxnRequest request{
        .compare = {ValueIs("a", "1")},
        .success = {GetOp("a"), RequestOp{TxnRequest{.success = {GetOp("b")}}}},
        .failure = {GetOp("b")}};
    auto response = store_->ReadTxn(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_TRUE(response->succeeded);
    EXPECT_EQ(response->header.revision, Revision(2));
    EXPECT_EQ(std::get<RangeResponse>(response->responses[0].response).kvs.at(0).value, "1");
    EXPECT_EQ(store_->applied_index(), Index(1));
    const TxnRequest nested_write{.success = {RequestOp{TxnRequest{.failure = {PutOp("b", "1")}}}}};
    EXPECT_FALSE(IsReadOnly(nested_write));
    EXPECT_EQ(store_->ReadTxn(nested_write).status().code(), absl::StatusCode::kInvalidArgument);
    const auto compacted = store_->ReadTxn(
        {.success = {RequestOp{RangeRequest{.key = "a", .revision = Revision(5)}}}});
    EXPECT_TRUE(IsFutureRevision(compacted.status()));
}

TEST(TxnValidate, DuplicateRules) {
    constexpr size_t kOps = kTxnOpsMaxDefault;
    // Overlapping deletes are fine; so is the same key in the two branches.
    EXPECT_TRUE(ValidateTxn({.success = {DeleteOp("a", "c"), DeleteOp("b", "d")}}, kOps).ok());
    EXPECT_TRUE(
        ValidateTxn({.success = {PutOp("a", "1")}, .failure = {PutOp("a", "2")}}, kOps).ok());
    // A nested txn's branches are alternatives to each other, not to the outer list.
    const TxnRequest nested{.success = {PutOp("k", "1")}, .failure = {PutOp("k", "2")}};
    EXPECT_TRUE(ValidateTxn({.success = {RequestOp{nested}}}, kOps).ok());
    EXPECT_FALSE(ValidateTxn({.success = {PutOp("k", "0"), RequestOp{nested}}}, kOps).ok());
    EXPECT_FALSE(ValidateTxn({.success = {RequestOp{nested}, DeleteOp("a", "z")}}, kOps).ok());
    // Ranges never conflict.
    EXPECT_TRUE(ValidateTxn({.success = {PutOp("a", "1"), GetOp("a")}}, kOps).ok());
    // Empty keys anywhere are rejected.
    EXPECT_EQ(ValidateTxn({.success = {GetOp("")}}, kOps).message(),
              "etcdserver: key is not provided");
    EXPECT_EQ(ValidateTxn({.compare = {ValueIs("", "")}}, kOps).message(),
              "etcdserver: key is not provided");
}

TEST(TxnValidate, TooManyOperations) {
    TxnRequest request;
    for (int i = 0; i < 3; ++i) {
        request.success.push_back(PutOp("k" + std::to_string(i), "v"));
    }
    EXPECT_TRUE(ValidateTxn(request, 3).ok());
    request.failure = request.success;
    EXPECT_TRUE(ValidateTxn(request, 3).ok());  // Each list is counted on its own.
    request.success.push_back(PutOp("k9", "v"));
    EXPECT_EQ(ValidateTxn(request, 3).message(), "etcdserver: too many operations in txn request");
    TxnRequest nested;
    nested.success.push_back(RequestOp{request});
    EXPECT_FALSE(ValidateTxn(nested, 3).ok());
}

TEST(TxnValidate, NestingIsBounded) {
    TxnRequest request;
    for (size_t depth = 0; depth < kTxnDepthMax + 1; ++depth) {
        TxnRequest outer;
        outer.success.push_back(RequestOp{std::move(request)});
        request = std::move(outer);
    }
    EXPECT_EQ(ValidateTxn(request, kTxnOpsMaxDefault).code(), absl::StatusCode::kInvalidArgument);
}

// --max-txn-ops is a member's own flag: it bounds the read-only txns a member serves itself,
// but a committed entry applies the same on every member whatever its flag.
TEST_F(MvccTxn, TxnOpsLimitBoundsLocalReadsNotCommittedEntries) {
    Reopen({.txn_ops_max = 1});
    TxnRequest reads;
    reads.success = {GetOp("a"), GetOp("b")};
    EXPECT_EQ(store_->ReadTxn(reads).status().message(),
              "etcdserver: too many operations in txn request");
    const Revision before = store_->revision();
    auto result = Txn({.success = {PutOp("a", "1"), PutOp("b", "2")}});
    ASSERT_TRUE(result.response.ok()) << result.response.status();
    EXPECT_TRUE(result.response->succeeded);
    EXPECT_EQ(store_->revision().value(), before.value() + 1);
}

}  // namespace
}  // namespace keel::kv
