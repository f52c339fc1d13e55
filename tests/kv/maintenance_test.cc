// MvccStore::HashAll and Defragment (etcd's Hash and Defragment).
#include "kv/errors.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

using testing::ScratchDir;
using testing::StoreTest;

using StoreMaintenance = StoreTest;

TEST_F(StoreMaintenance, HashIgnoresTheAppliedIndexButNotTheData) {
    Put("a", "1");
    Put("b", "2");
    const StoreHash before = store_->HashAll();
    EXPECT_EQ(before.revision, Revision(3));
    // An entry that changes nothing but the applied index leaves the hash as it was.
    store_->ApplyNoop(Next());
    EXPECT_EQ(store_->HashAll().hash, before.hash);
    Put("a", "1");
    const StoreHash after = store_->HashAll();
    EXPECT_NE(after.hash, before.hash);
    EXPECT_EQ(after.revision, Revision(4));
}

TEST_F(StoreMaintenance, ReplicasThatAppliedTheSameWritesAgree) {
    ScratchDir other_dir;
    auto other = MvccStore::Open(other_dir.Sub("db"), {});
    ASSERT_TRUE(other.ok());
    Put("k", "v");
    // The other replica applied the same write at a different Raft index (after a no-op).
    (*other)->ApplyNoop(ApplyContext{.index = Index(1)});
    ASSERT_TRUE((*other)
                    ->ApplyPut(ApplyContext{.index = Index(2)}, {.key = "k", .value = "v"})
                    .response.ok());
    EXPECT_EQ((*other)->HashAll().hash, store_->HashAll().hash);
}

TEST_F(StoreMaintenance, HashKvAtTheCompactedRevisionIsCompactedAsInEtcd) {
    Put("k", "1");  // 2
    Put("k", "2");  // 3
    Put("k", "3");  // 4
    ASSERT_TRUE(store_->ApplyCompaction(Next(), {.revision = Revision(3)}).response.ok());
    EXPECT_EQ(store_->HashKv(Revision(3)).status(), CompactedError());
    EXPECT_EQ(store_->HashKv(Revision(2)).status(), CompactedError());
    EXPECT_TRUE(store_->HashKv(Revision(4)).ok());
    EXPECT_TRUE(store_->HashKv(Revision()).ok());
}

TEST_F(StoreMaintenance, DefragmentKeepsTheDataAndShrinksAfterCompaction) {
    const std::string value(4096, 'x');
    for (int i = 0; i < 500; ++i) {
        Put("key" + std::to_string(i % 10), value);
    }
    const auto compacted =
        store_->ApplyCompaction(Next(), CompactionRequest{.revision = store_->revision()});
    ASSERT_TRUE(compacted.response.ok()) << compacted.response.status();
    ASSERT_TRUE(store_->Flush().ok());
    const StoreHash hash = store_->HashAll();
    const uint64_t before = store_->ApproximateSizeBytes();
    ASSERT_TRUE(store_->Defragment().ok());
    EXPECT_EQ(store_->HashAll().hash, hash.hash);
    EXPECT_LT(store_->ApproximateSizeBytes(), before);
    EXPECT_EQ(store_->Range(RangeRequest{.key = "key3"})->kvs.at(0).value, value);
}

}  // namespace
}  // namespace keel::kv
