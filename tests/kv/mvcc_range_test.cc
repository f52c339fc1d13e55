// Range: etcd's read semantics over the MVCC store.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/key_range.h"
#include "kv/mvcc_store.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

using testing::StoreTest;

std::vector<std::string> Keys(const RangeResponse& response) {
    std::vector<std::string> keys;
    for (const KeyValue& kv : response.kvs) {
        keys.push_back(kv.key);
    }
    return keys;
}

const std::string kNul(1, '\0');

class MvccRange : public StoreTest {
protected:
    // a=1 b=2 c=3 d=4, one revision each (revisions 2..5).
    void PutFour() {
        for (const char* key : {"a", "b", "c", "d"}) {
            Put(key, std::string("v") + key);
        }
    }
};

TEST_F(MvccRange, EmptyStoreIsAtRevisionOne) {
    const RangeResponse response = Get({.key = "a"});
    EXPECT_EQ(response.header.revision, Revision(1));
    EXPECT_EQ(response.count, 0);
    EXPECT_TRUE(response.kvs.empty());
}

TEST_F(MvccRange, SingleKeyReturnsItsLatestVersion) {
    Put("a", "1");
    Put("ab", "x");
    Put("a", "2");
    const RangeResponse response = Get({.key = "a"});
    ASSERT_EQ(response.kvs.size(), 1u);
    const KeyValue& kv = response.kvs[0];
    EXPECT_EQ(kv.key, "a");
    EXPECT_EQ(kv.value, "2");
    EXPECT_EQ(kv.create_revision, Revision(2));
    EXPECT_EQ(kv.mod_revision, Revision(4));
    EXPECT_EQ(kv.version, 2);
    EXPECT_EQ(response.header.revision, Revision(4));
}

TEST_F(MvccRange, HalfOpenRangeExcludesItsEnd) {
    PutFour();
    EXPECT_EQ(Keys(Get({.key = "b", .range_end = "d"})), (std::vector<std::string>{"b", "c"}));
}

TEST_F(MvccRange, PrefixFormSelectsKeysWithThePrefix) {
    Put("app", "1");
    Put("apple", "2");
    Put("apq", "3");
    Put("ap", "4");
    EXPECT_EQ(Keys(Get({.key = "app", .range_end = PrefixEnd("app")})),
              (std::vector<std::string>{"app", "apple"}));
}

TEST_F(MvccRange, NulRangeEndMeansToTheEnd) {
    PutFour();
    EXPECT_EQ(Keys(Get({.key = "c", .range_end = kNul})), (std::vector<std::string>{"c", "d"}));
    EXPECT_EQ(Get({.key = kNul, .range_end = kNul}).count, 4);
}

TEST_F(MvccRange, KeysWithNulBytesAreDistinct) {
    Put(std::string("a\0", 2), "nul");
    Put("a", "plain");
    Put(std::string("a\0\0", 3), "nulnul");
    const RangeResponse response = Get({.key = "a", .range_end = "b"});
    EXPECT_EQ(Keys(response),
              (std::vector<std::string>{"a", std::string("a\0", 2), std::string("a\0\0", 3)}));
    EXPECT_EQ(Get({.key = std::string("a\0", 2)}).kvs.at(0).value, "nul");
}

TEST_F(MvccRange, LimitReportsMoreAndTotalCount) {
    PutFour();
    const RangeResponse limited = Get({.key = "a", .range_end = "z", .limit = 2});
    EXPECT_EQ(Keys(limited), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(limited.more);
    EXPECT_EQ(limited.count, 4);
    const RangeResponse exact = Get({.key = "a", .range_end = "z", .limit = 4});
    EXPECT_FALSE(exact.more);
    EXPECT_EQ(exact.kvs.size(), 4u);
}

TEST_F(MvccRange, ReadsAPastRevision) {
    Put("a", "1");  // rev 2
    Put("a", "2");  // rev 3
    Delete("a");    // rev 4
    Put("b", "x");  // rev 5
    EXPECT_EQ(Get({.key = "a", .revision = Revision(2)}).kvs.at(0).value, "1");
    EXPECT_EQ(Get({.key = "a", .revision = Revision(3)}).kvs.at(0).value, "2");
    EXPECT_TRUE(Get({.key = "a", .revision = Revision(4)}).kvs.empty());
    const RangeResponse past = Get({.key = "a", .range_end = "z", .revision = Revision(3)});
    EXPECT_EQ(Keys(past), (std::vector<std::string>{"a"}));
    // The header names the current revision, not the one read.
    EXPECT_EQ(past.header.revision, Revision(5));
}

TEST_F(MvccRange, FutureRevisionIsAnError) {
    Put("a", "1");
    const auto response = store_->Range({.key = "a", .revision = Revision(3)});
    EXPECT_TRUE(IsFutureRevision(response.status())) << response.status();
    EXPECT_EQ(response.status().code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(response.status().message(),
              "etcdserver: mvcc: required revision is a future revision");
}

TEST_F(MvccRange, SortsByTargetAndOrder) {
    Put("b", "3");  // rev 2
    Put("a", "1");  // rev 3
    Put("c", "2");  // rev 4
    Put("b", "0");  // rev 5: b now has version 2, value 0
    const RangeRequest all{.key = "a", .range_end = "z"};
    RangeRequest request = all;
    request.sort_order = SortOrder::kDescend;
    EXPECT_EQ(Keys(Get(request)), (std::vector<std::string>{"c", "b", "a"}));
    request.sort_target = SortTarget::kValue;
    request.sort_order = SortOrder::kAscend;
    EXPECT_EQ(Keys(Get(request)), (std::vector<std::string>{"b", "a", "c"}));
    request.sort_target = SortTarget::kMod;
    request.sort_order = SortOrder::kNone;  // A non-key target defaults to ascending.
    EXPECT_EQ(Keys(Get(request)), (std::vector<std::string>{"a", "c", "b"}));
    request.sort_target = SortTarget::kCreate;
    request.sort_order = SortOrder::kDescend;
    EXPECT_EQ(Keys(Get(request)), (std::vector<std::string>{"c", "a", "b"}));
    request.sort_target = SortTarget::kVersion;
    request.sort_order = SortOrder::kDescend;
    request.limit = 1;
    const RangeResponse top = Get(request);
    EXPECT_EQ(Keys(top), (std::vector<std::string>{"b"}));
    EXPECT_TRUE(top.more);
}

TEST_F(MvccRange, KeysOnlyAndCountOnly) {
    PutFour();
    const RangeResponse keys_only = Get({.key = "a", .range_end = "z", .keys_only = true});
    ASSERT_EQ(keys_only.kvs.size(), 4u);
    EXPECT_EQ(keys_only.kvs[0].key, "a");
    EXPECT_TRUE(keys_only.kvs[0].value.empty());
    EXPECT_EQ(keys_only.kvs[0].mod_revision, Revision(2));
    const RangeResponse count_only = Get({.key = "a", .range_end = "z", .count_only = true});
    EXPECT_TRUE(count_only.kvs.empty());
    EXPECT_EQ(count_only.count, 4);
}

TEST_F(MvccRange, RevisionFiltersPruneButDoNotChangeCount) {
    PutFour();     // a@2 b@3 c@4 d@5
    Put("a", "");  // a: create 2, mod 6
    const RangeRequest all{.key = "a", .range_end = "z"};
    RangeRequest request = all;
    request.min_mod_revision = Revision(4);
    request.max_mod_revision = Revision(5);
    RangeResponse response = Get(request);
    EXPECT_EQ(Keys(response), (std::vector<std::string>{"c", "d"}));
    EXPECT_EQ(response.count, 4);
    request = all;
    request.min_create_revision = Revision(3);
    request.limit = 1;
    response = Get(request);
    EXPECT_EQ(Keys(response), (std::vector<std::string>{"b"}));
    EXPECT_TRUE(response.more);
    request = all;
    request.max_create_revision = Revision(2);
    EXPECT_EQ(Keys(Get(request)), (std::vector<std::string>{"a"}));
}

TEST_F(MvccRange, EmptyKeyIsRejected) {
    const auto response = store_->Range({.key = ""});
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(response.status().message(), "etcdserver: key is not provided");
}

TEST_F(MvccRange, InvertedRangeIsEmpty) {
    PutFour();
    const RangeResponse response = Get({.key = "c", .range_end = "a"});
    EXPECT_EQ(response.count, 0);
    EXPECT_TRUE(response.kvs.empty());
}

}  // namespace
}  // namespace keel::kv
