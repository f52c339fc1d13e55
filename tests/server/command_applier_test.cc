#include "server/command_applier.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

namespace keel::server {
namespace {

class CommandApplierTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keel-server-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        auto opened = kv::MvccStore::Open(dir_ + "/kv", {});
        ASSERT_TRUE(opened.ok()) << opened.status();
        store_ = *std::move(opened);
    }

    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }

    AppliedCommand Apply(const keel::v1::Command& command) {
        ++index_;
        return ApplyEntry(
            *store_,
            raft::Entry{
                .term = Term(1), .index = Index(index_), .data = command.SerializeAsString()});
    }

    std::string dir_;
    std::unique_ptr<kv::MvccStore> store_;
    uint64_t index_ = 0;
};

TEST_F(CommandApplierTest, PutThenTxnThenDelete) {
    keel::v1::Command put;
    put.set_request_id(11);
    put.mutable_put()->set_key("k");
    put.mutable_put()->set_value("v");
    const AppliedCommand applied = Apply(put);
    EXPECT_EQ(applied.request_id, 11u);
    ASSERT_TRUE(applied.response.ok()) << applied.response.status();
    EXPECT_EQ(std::get<kv::PutResponse>(*applied.response).header.revision, Revision(2));

    keel::v1::Command txn;
    etcdserverpb::Compare* cmp = txn.mutable_txn()->add_compare();
    cmp->set_key("k");
    cmp->set_target(etcdserverpb::Compare::VALUE);
    cmp->set_value("v");
    txn.mutable_txn()->add_success()->mutable_request_delete_range()->set_key("k");
    const AppliedCommand swapped = Apply(txn);
    ASSERT_TRUE(swapped.response.ok()) << swapped.response.status();
    EXPECT_TRUE(std::get<kv::TxnResponse>(*swapped.response).succeeded);
    EXPECT_EQ(store_->applied_index(), Index(2));
    EXPECT_EQ(store_->revision(), Revision(3));
}

TEST_F(CommandApplierTest, InvalidCommandsStillAdvanceTheAppliedIndex) {
    keel::v1::Command empty_key;
    empty_key.mutable_put()->set_value("v");
    EXPECT_EQ(Apply(empty_key).response.status().message(), "etcdserver: key is not provided");
    EXPECT_FALSE(Apply(keel::v1::Command()).response.ok());
    ++index_;
    const AppliedCommand garbage = ApplyEntry(
        *store_, raft::Entry{.term = Term(1), .index = Index(index_), .data = "\xff\xff"});
    EXPECT_EQ(garbage.response.status().code(), absl::StatusCode::kInternal);
    ++index_;
    EXPECT_FALSE(
        ApplyEntry(*store_, raft::Entry{.term = Term(1), .index = Index(index_)}).response.ok());
    EXPECT_EQ(store_->applied_index(), Index(4));
    EXPECT_EQ(store_->revision(), Revision(1));
}

TEST_F(CommandApplierTest, CompactionErrorsComeFromTheStore) {
    keel::v1::Command compact;
    compact.mutable_compaction()->set_revision(100);
    EXPECT_EQ(Apply(compact).response.status().message(),
              "etcdserver: mvcc: required revision is a future revision");
}

}  // namespace
}  // namespace keel::server
