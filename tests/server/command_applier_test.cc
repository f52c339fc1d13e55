#include "server/command_applier.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "server/alarm_set.h"

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

keel::v1::Command AlarmCommand(etcdserverpb::AlarmRequest::AlarmAction action, uint64_t member) {
    keel::v1::Command command;
    command.mutable_alarm()->set_action(action);
    command.mutable_alarm()->set_memberid(member);
    command.mutable_alarm()->set_alarm(etcdserverpb::NOSPACE);
    return command;
}

TEST_F(CommandApplierTest, AlarmsAreRecordedInTheStoreAndSurviveReopenAndCheckpoint) {
    const Revision before = store_->revision();
    ASSERT_TRUE(Apply(AlarmCommand(etcdserverpb::AlarmRequest::ACTIVATE, 7)).response.ok());
    ASSERT_TRUE(Apply(AlarmCommand(etcdserverpb::AlarmRequest::ACTIVATE, 9)).response.ok());
    ASSERT_TRUE(Apply(AlarmCommand(etcdserverpb::AlarmRequest::DEACTIVATE, 7)).response.ok());
    const Alarms expected = {{9, static_cast<int>(etcdserverpb::NOSPACE)}};
    EXPECT_EQ(LoadAlarms(*store_), expected);
    EXPECT_EQ(store_->revision(), before);  // an alarm touches no key
    EXPECT_EQ(store_->applied_index(), Index(3));

    ASSERT_TRUE(store_->CreateCheckpoint(dir_ + "/checkpoint").ok());
    ASSERT_TRUE(store_->Flush().ok());
    store_.reset();
    auto reopened = kv::MvccStore::Open(dir_ + "/kv", {});
    ASSERT_TRUE(reopened.ok()) << reopened.status();
    EXPECT_EQ(LoadAlarms(**reopened), expected);
    auto checkpoint = kv::MvccStore::Open(dir_ + "/checkpoint", {});
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    EXPECT_EQ(LoadAlarms(**checkpoint), expected);

    // Disarming every alarm (member 0, as `etcdctl alarm disarm` sends) leaves an empty record.
    store_ = *std::move(reopened);
    keel::v1::Command disarm = AlarmCommand(etcdserverpb::AlarmRequest::DEACTIVATE, 0);
    disarm.mutable_alarm()->set_alarm(etcdserverpb::NONE);
    ASSERT_TRUE(Apply(disarm).response.ok());
    EXPECT_TRUE(LoadAlarms(*store_).empty());
}

}  // namespace
}  // namespace keel::server
