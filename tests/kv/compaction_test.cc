// Compaction: history at or below the compact revision goes, the present stays.
#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/mvcc_store.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

using testing::StoreTest;

class MvccCompaction : public StoreTest {
protected:
    absl::Status Compact(Revision revision) {
        auto result = store_->ApplyCompaction(Next(), {.revision = revision});
        if (result.response.ok()) {
            EXPECT_EQ(result.response->header.revision, store_->revision());
        }
        return result.response.status();
    }
};

TEST_F(MvccCompaction, ReadsBelowTheCompactedRevisionFail) {
    Put("a", "1");  // 2
    Put("a", "2");  // 3
    Put("a", "3");  // 4
    ASSERT_TRUE(Compact(Revision(3)).ok());
    EXPECT_EQ(store_->compacted_revision(), Revision(3));
    const auto below = store_->Range({.key = "a", .revision = Revision(2)});
    EXPECT_TRUE(IsCompacted(below.status())) << below.status();
    EXPECT_EQ(below.status().message(), "etcdserver: mvcc: required revision has been compacted");
    // At the compacted revision itself the state is intact.
    EXPECT_EQ(Get({.key = "a", .revision = Revision(3)}).kvs.at(0).value, "2");
    EXPECT_EQ(Get({.key = "a"}).kvs.at(0).value, "3");
    // Compaction does not create a revision.
    EXPECT_EQ(store_->revision(), Revision(4));
}

TEST_F(MvccCompaction, KeepsTheLatestLiveVersionAndDropsTombstones) {
    Put("live", "old");  // 2
    Put("live", "new");  // 3
    Put("gone", "x");    // 4
    Delete("gone");      // 5
    Put("later", "y");   // 6
    const auto before = store_->HashKv(Revision(6));
    ASSERT_TRUE(before.ok());
    ASSERT_TRUE(Compact(Revision(5)).ok());
    const RangeResponse at5 = Get({.key = "a", .range_end = "z", .revision = Revision(5)});
    ASSERT_EQ(at5.kvs.size(), 1u);
    EXPECT_EQ(at5.kvs[0].key, "live");
    EXPECT_EQ(at5.kvs[0].value, "new");
    EXPECT_EQ(at5.kvs[0].version, 2);
    EXPECT_EQ(at5.kvs[0].create_revision, Revision(2));
    EXPECT_EQ(Get({.key = "a", .range_end = "z"}).count, 2);
    // Physical removal: the history digest changed.
    const auto after = store_->HashKv(Revision(6));
    ASSERT_TRUE(after.ok());
    EXPECT_NE(before->hash, after->hash);
    // Putting a compacted-away key starts a new generation.
    Put("gone", "again");
    EXPECT_EQ(Get({.key = "gone"}).kvs.at(0).version, 1);
}

TEST_F(MvccCompaction, CompactingTwiceOrIntoTheFutureFails) {
    Put("a", "1");
    Put("a", "2");
    EXPECT_EQ(Compact(Revision(9)).message(),
              "etcdserver: mvcc: required revision is a future revision");
    ASSERT_TRUE(Compact(Revision(2)).ok());
    EXPECT_TRUE(IsCompacted(Compact(Revision(2))));
    EXPECT_TRUE(IsCompacted(Compact(Revision(1))));
    EXPECT_TRUE(Compact(Revision(3)).ok());
}

TEST_F(MvccCompaction, SurvivesReopen) {
    Put("a", "1");
    Put("a", "2");
    ASSERT_TRUE(Compact(Revision(3)).ok());
    Reopen();
    EXPECT_EQ(store_->compacted_revision(), Revision(3));
    EXPECT_TRUE(IsCompacted(store_->Range({.key = "a", .revision = Revision(2)}).status()));
}

}  // namespace
}  // namespace keel::kv
