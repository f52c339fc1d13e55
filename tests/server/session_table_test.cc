#include "kv/session_table.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "server/command_applier.h"
#include "server/session_locks.h"

namespace keel::server {
namespace {

using kv::AdmitRequest;
using kv::FindAnswer;
using kv::kSessionResponsesMax;
using kv::kSessionTtlDefaultMs;
using kv::kSessionTtlMaxMs;
using kv::kSessionTtlMinMs;
using kv::NewSession;
using kv::RememberAnswer;
using kv::SessionAdmission;
using kv::SessionExpired;
using kv::SessionExpiredError;
using kv::SessionKey;
using kv::SessionTtl;
using kv::TouchSession;

constexpr int64_t kT0 = 1'000'000;

// ---- The pure table. ----

TEST(SessionTableTest, AckTrimsAnswersBelowIt) {
    keel::v1::SessionRecord record = NewSession(7, 5'000, kT0);
    for (uint64_t seq = 1; seq <= 3; ++seq) {
        ASSERT_EQ(AdmitRequest(record, seq), SessionAdmission::kExecute);
        keel::v1::CachedResponse answer;
        answer.set_seq(seq);
        RememberAnswer(record, answer);
    }
    EXPECT_EQ(AdmitRequest(record, 2), SessionAdmission::kReplay);
    TouchSession(record, kT0, 3);
    EXPECT_EQ(record.responses_size(), 1);
    EXPECT_EQ(AdmitRequest(record, 2), SessionAdmission::kAcknowledged);
    EXPECT_EQ(AdmitRequest(record, 3), SessionAdmission::kReplay);
    // An older ack never brings anything back.
    TouchSession(record, kT0, 1);
    EXPECT_EQ(record.ack(), 3u);
}

TEST(SessionTableTest, OutOfOrderAnswersStaySorted) {
    keel::v1::SessionRecord record = NewSession(1, 5'000, kT0);
    for (uint64_t seq : {5u, 2u, 9u, 3u}) {
        keel::v1::CachedResponse answer;
        answer.set_seq(seq);
        RememberAnswer(record, answer);
    }
    ASSERT_EQ(record.responses_size(), 4);
    EXPECT_EQ(record.responses(0).seq(), 2u);
    EXPECT_EQ(record.responses(3).seq(), 9u);
    EXPECT_TRUE(FindAnswer(record, 3).has_value());
    EXPECT_FALSE(FindAnswer(record, 4).has_value());
}

TEST(SessionTableTest, ExpiresByStampedTimeOnly) {
    keel::v1::SessionRecord record = NewSession(1, 5'000, kT0);
    EXPECT_FALSE(SessionExpired(record, kT0 + 5'000));
    EXPECT_TRUE(SessionExpired(record, kT0 + 5'001));
    EXPECT_FALSE(SessionExpired(record, 0));  // an unstamped entry expires nothing
    TouchSession(record, kT0 + 4'000, 0);
    EXPECT_FALSE(SessionExpired(record, kT0 + 9'000));
    // A stamp from a leader whose clock is behind does not move activity back.
    TouchSession(record, kT0, 0);
    EXPECT_EQ(record.last_active_ms(), kT0 + 4'000);
}

TEST(SessionTableTest, BoundedAnswers) {
    keel::v1::SessionRecord record = NewSession(1, 5'000, kT0);
    for (uint64_t seq = 1; seq <= kSessionResponsesMax; ++seq) {
        keel::v1::CachedResponse answer;
        answer.set_seq(seq);
        RememberAnswer(record, answer);
    }
    EXPECT_EQ(AdmitRequest(record, kSessionResponsesMax + 1), SessionAdmission::kFull);
    TouchSession(record, kT0, 2);
    EXPECT_EQ(AdmitRequest(record, kSessionResponsesMax + 1), SessionAdmission::kExecute);
}

TEST(SessionTableTest, TtlIsClamped) {
    EXPECT_EQ(SessionTtl(0), kSessionTtlDefaultMs);
    EXPECT_EQ(SessionTtl(1), kSessionTtlMinMs);
    EXPECT_EQ(SessionTtl(kSessionTtlMaxMs * 2), kSessionTtlMaxMs);
}

// ---- Through the state machine (command_applier.cc) on a real store. ----

class SessionApplyTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keel-session-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        Reopen();
    }

    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(dir_);
    }

    void Reopen() {
        if (store_ != nullptr) {
            ASSERT_TRUE(store_->Flush().ok());
        }
        store_.reset();
        auto opened = kv::MvccStore::Open(dir_ + "/kv", {});
        ASSERT_TRUE(opened.ok()) << opened.status();
        store_ = *std::move(opened);
    }

    absl::StatusOr<CommandResponse> Apply(keel::v1::Command command, int64_t now) {
        command.set_leader_time_ms(now);
        ++index_;
        return ApplyEntry(*store_,
                          raft::Entry{.term = Term(1),
                                      .index = Index(index_),
                                      .data = command.SerializeAsString()})
            .response;
    }

    uint64_t Register(int64_t ttl_ms, int64_t now) {
        keel::v1::Command command;
        command.mutable_register_client()->set_ttl_ms(ttl_ms);
        auto applied = Apply(command, now);
        EXPECT_TRUE(applied.ok()) << applied.status();
        return std::get<SessionOpResponse>(*applied).session_id;
    }

    static keel::v1::Command SessionPut(uint64_t session, uint64_t seq, uint64_t ack) {
        keel::v1::Command command;
        command.mutable_put()->set_key("k");
        command.mutable_put()->set_value("v");
        command.set_session_id(session);
        command.set_session_seq(seq);
        command.set_session_ack(ack);
        return command;
    }

    std::string dir_;
    std::unique_ptr<kv::MvccStore> store_;
    uint64_t index_ = 0;
};

TEST_F(SessionApplyTest, RetransmissionIsAnsweredFromTheTableAcrossRestart) {
    const uint64_t session = Register(10'000, kT0);
    EXPECT_EQ(session, 1u);  // the registering entry's index
    auto first = Apply(SessionPut(session, 1, 1), kT0 + 1);
    ASSERT_TRUE(first.ok()) << first.status();
    const Revision revision = std::get<kv::PutResponse>(*first).header.revision;
    EXPECT_EQ(store_->revision(), revision);

    Reopen();  // the table is in RocksDB, committed with the Put
    auto again = Apply(SessionPut(session, 1, 1), kT0 + 2);
    ASSERT_TRUE(again.ok()) << again.status();
    ASSERT_TRUE(std::holds_alternative<ReplayedResponse>(*again));
    etcdserverpb::PutResponse replayed;
    ASSERT_TRUE(replayed.ParseFromString(std::get<ReplayedResponse>(*again).serialized));
    EXPECT_EQ(replayed.header().revision(), static_cast<int64_t>(revision.value()));
    EXPECT_EQ(store_->revision(), revision);  // not executed twice

    // A new seq executes; the ack then drops seq 1's answer.
    auto second = Apply(SessionPut(session, 2, 2), kT0 + 3);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(store_->revision(), revision.Next());
    auto stale = Apply(SessionPut(session, 1, 2), kT0 + 4);
    EXPECT_EQ(stale.status().code(), absl::StatusCode::kOutOfRange);
    EXPECT_EQ(store_->revision(), revision.Next());
}

TEST_F(SessionApplyTest, ExpiredOrUnknownSessionGetsADistinctError) {
    const uint64_t session = Register(2'000, kT0);
    auto unknown = Apply(SessionPut(session + 100, 1, 1), kT0 + 1);
    EXPECT_EQ(unknown.status(), SessionExpiredError());
    auto late = Apply(SessionPut(session, 1, 1), kT0 + 2'001);
    EXPECT_EQ(late.status(), SessionExpiredError());
    // The expired session is gone: it does not come back at an earlier stamp.
    auto back = Apply(SessionPut(session, 1, 1), kT0 + 1);
    EXPECT_EQ(back.status(), SessionExpiredError());
    EXPECT_EQ(store_->revision(), Revision(1));  // nothing executed
}

TEST_F(SessionApplyTest, KeepAliveExtendsAndCloseEnds) {
    const uint64_t session = Register(2'000, kT0);
    keel::v1::Command keep;
    keep.mutable_session_keep_alive()->set_session_id(session);
    ASSERT_TRUE(Apply(keep, kT0 + 1'500).ok());
    ASSERT_TRUE(Apply(SessionPut(session, 1, 1), kT0 + 3'000).ok());
    keel::v1::Command close;
    close.mutable_session_close()->set_session_id(session);
    ASSERT_TRUE(Apply(close, kT0 + 3'001).ok());
    EXPECT_EQ(Apply(SessionPut(session, 2, 2), kT0 + 3'002).status(), SessionExpiredError());
    EXPECT_EQ(Apply(close, kT0 + 3'003).status(), SessionExpiredError());
}

TEST_F(SessionApplyTest, RegistrationSweepsExpiredSessions) {
    const uint64_t old = Register(1'000, kT0);
    Register(1'000, kT0 + 5'000);
    EXPECT_FALSE(store_->ReadAux(SessionKey(old)).has_value());
    EXPECT_EQ(store_->ListAux().size(), 1u);
}

TEST_F(SessionApplyTest, FailedRequestIsCachedToo) {
    const uint64_t session = Register(10'000, kT0);
    keel::v1::Command bad = SessionPut(session, 1, 1);
    bad.mutable_put()->set_key("");  // etcd: key is not provided
    auto first = Apply(bad, kT0 + 1);
    ASSERT_FALSE(first.ok());
    auto again = Apply(bad, kT0 + 2);
    EXPECT_EQ(again.status(), first.status());
}

// ---- Leases and locks in sessions (session_locks.h). ----

TEST(SessionTableTest, OnlyExpiredSessionsHoldingLocksNeedASweep) {
    keel::v1::SessionRecord record = NewSession(1, 1'000, kT0);
    EXPECT_FALSE(kv::SessionNeedsSweep(record, kT0 + 5'000));  // expired, holds nothing
    record.add_locks()->set_key("l/1");
    EXPECT_FALSE(kv::SessionNeedsSweep(record, kT0 + 1'000));  // holds, alive
    EXPECT_TRUE(kv::SessionNeedsSweep(record, kT0 + 1'001));
}

TEST(SessionLocksTest, CreatedLocksAreTheGuardedPuts) {
    etcdserverpb::TxnRequest txn;
    auto* absent = txn.add_compare();
    absent->set_key("l/a");
    absent->set_target(etcdserverpb::Compare::CREATE);
    absent->set_result(etcdserverpb::Compare::EQUAL);
    absent->set_create_revision(0);
    txn.add_success()->mutable_request_put()->set_key("l/a");
    txn.add_success()->mutable_request_put()->set_key("other");  // not guarded: not a lock
    const std::vector<keel::v1::HeldLock> created = CreatedLocks(txn, 42);
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0].key(), "l/a");
    EXPECT_EQ(created[0].create_revision(), 42);
}

TEST_F(SessionApplyTest, RetransmittedLeaseGrantReturnsTheSameLease) {
    const uint64_t session = Register(10'000, kT0);
    keel::v1::Command grant;
    grant.mutable_lease_grant()->set_ttl(30);
    grant.set_session_id(session);
    grant.set_session_seq(1);
    grant.set_session_ack(1);
    auto first = Apply(grant, kT0 + 1);
    ASSERT_TRUE(first.ok()) << first.status();
    const LeaseId id = std::get<kv::LeaseGrantResponse>(*first).id;
    Reopen();
    auto again = Apply(grant, kT0 + 2);
    ASSERT_TRUE(again.ok()) << again.status();
    ASSERT_TRUE(std::holds_alternative<ReplayedResponse>(*again));
    etcdserverpb::LeaseGrantResponse replayed;
    ASSERT_TRUE(replayed.ParseFromString(std::get<ReplayedResponse>(*again).serialized));
    EXPECT_EQ(replayed.id(), static_cast<int64_t>(id.value()));
    EXPECT_EQ(store_->LeaseLeases().leases.size(), 1u);

    keel::v1::Command revoke;
    revoke.mutable_lease_revoke()->set_id(replayed.id());
    revoke.set_session_id(session);
    revoke.set_session_seq(2);
    revoke.set_session_ack(2);
    ASSERT_TRUE(Apply(revoke, kT0 + 3).ok());
    // The retransmitted revoke is answered OK from the table, not "lease not found".
    auto revoked_again = Apply(revoke, kT0 + 4);
    ASSERT_TRUE(revoked_again.ok()) << revoked_again.status();
    EXPECT_TRUE(store_->LeaseLeases().leases.empty());
}

class SessionLockApplyTest : public SessionApplyTest {
protected:
    // The v3lock service's candidate txn for `key`, in `session` at `seq`.
    static keel::v1::Command LockTxn(uint64_t session, uint64_t seq, const std::string& key) {
        keel::v1::Command command;
        etcdserverpb::TxnRequest* txn = command.mutable_txn();
        auto* absent = txn->add_compare();
        absent->set_key(key);
        absent->set_target(etcdserverpb::Compare::CREATE);
        absent->set_result(etcdserverpb::Compare::EQUAL);
        absent->set_create_revision(0);
        txn->add_success()->mutable_request_put()->set_key(key);
        txn->add_failure()->mutable_request_range()->set_key(key);
        command.set_session_id(session);
        command.set_session_seq(seq);
        command.set_session_ack(seq);
        command.set_session_lock(true);
        return command;
    }

    bool Exists(const std::string& key) const {
        auto got = store_->Range(kv::RangeRequest{.key = key});
        return got.ok() && !got->kvs.empty();
    }

    AppliedCommand ApplyFull(keel::v1::Command command, int64_t now) {
        command.set_leader_time_ms(now);
        ++index_;
        return ApplyEntry(
            *store_,
            raft::Entry{
                .term = Term(1), .index = Index(index_), .data = command.SerializeAsString()});
    }
};

TEST_F(SessionLockApplyTest, CloseReleasesTheSessionsLocks) {
    const uint64_t session = Register(10'000, kT0);
    ASSERT_TRUE(Apply(LockTxn(session, 1, "l/a"), kT0 + 1).ok());
    auto again = Apply(LockTxn(session, 1, "l/a"), kT0 + 2);  // a retransmission
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(std::holds_alternative<ReplayedResponse>(*again));
    ASSERT_TRUE(Exists("l/a"));
    keel::v1::Command close;
    close.mutable_session_close()->set_session_id(session);
    AppliedCommand closed = ApplyFull(close, kT0 + 3);
    ASSERT_TRUE(closed.response.ok()) << closed.response.status();
    EXPECT_FALSE(Exists("l/a"));
    ASSERT_EQ(closed.events.size(), 1u);  // a delete event: waiters wake
    EXPECT_EQ(closed.events[0].kv.key, "l/a");
}

TEST_F(SessionLockApplyTest, LeaderSweepReleasesExpiredSessionsLocksOnly) {
    const uint64_t dead = Register(1'000, kT0);
    const uint64_t alive = Register(60'000, kT0);
    ASSERT_TRUE(Apply(LockTxn(dead, 1, "l/dead"), kT0 + 1).ok());
    ASSERT_TRUE(Apply(LockTxn(alive, 1, "l/alive"), kT0 + 1).ok());
    keel::v1::Command sweep;
    sweep.mutable_session_sweep();
    ASSERT_TRUE(Apply(sweep, kT0 + 500).ok());  // nobody expired yet
    EXPECT_TRUE(Exists("l/dead"));
    Reopen();  // the held locks are in the stored record
    ASSERT_TRUE(Apply(sweep, kT0 + 2'000).ok());
    EXPECT_FALSE(Exists("l/dead"));
    EXPECT_TRUE(Exists("l/alive"));
    EXPECT_FALSE(store_->ReadAux(SessionKey(dead)).has_value());
}

TEST_F(SessionLockApplyTest, ARecreatedKeyIsNotReleased) {
    const uint64_t session = Register(10'000, kT0);
    ASSERT_TRUE(Apply(LockTxn(session, 1, "l/a"), kT0 + 1).ok());
    keel::v1::Command unlock;
    unlock.mutable_delete_range()->set_key("l/a");
    ASSERT_TRUE(Apply(unlock, kT0 + 2).ok());
    keel::v1::Command other_holder;
    other_holder.mutable_put()->set_key("l/a");
    ASSERT_TRUE(Apply(other_holder, kT0 + 3).ok());
    keel::v1::Command close;
    close.mutable_session_close()->set_session_id(session);
    ASSERT_TRUE(Apply(close, kT0 + 4).ok());
    EXPECT_TRUE(Exists("l/a"));  // another holder's incarnation survives
}

TEST_F(SessionLockApplyTest, LazyExpiryReleasesToo) {
    const uint64_t session = Register(1'000, kT0);
    ASSERT_TRUE(Apply(LockTxn(session, 1, "l/a"), kT0 + 1).ok());
    EXPECT_EQ(Apply(SessionPut(session, 2, 2), kT0 + 5'000).status(), SessionExpiredError());
    EXPECT_FALSE(Exists("l/a"));
}

TEST_F(SessionApplyTest, PlainRequestIsUnaffected) {
    keel::v1::Command put;
    put.mutable_put()->set_key("k");
    put.mutable_put()->set_value("v");
    ASSERT_TRUE(Apply(put, kT0).ok());
    ASSERT_TRUE(Apply(put, kT0).ok());
    EXPECT_EQ(store_->revision(), Revision(3));
    EXPECT_TRUE(store_->ListAux().empty());
}

}  // namespace
}  // namespace keel::server
