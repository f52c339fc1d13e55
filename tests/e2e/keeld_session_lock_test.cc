// keeld end to end, leases and locks in client sessions (#5, docs/sessions.md): a
// retransmitted LeaseGrant returns the same lease and creates no second one; a retransmitted
// Lock returns the same key and fencing revision; a session that expires releases its lock to
// a blocked waiter; session calls sent to a follower reach the leader.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "e2e/keeld_cluster.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"
#include "keel/v1/session.grpc.pb.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
    std::string target = address;
    if (const auto scheme = target.find("://"); scheme != std::string::npos) {
        target = target.substr(scheme + 3);
    }
    return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

// A call context with a deadline and, when `session` is not 0, the session metadata.
std::unique_ptr<grpc::ClientContext> Context(uint64_t session,
                                             uint64_t seq,
                                             std::chrono::seconds timeout = 5s) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    if (session != 0) {
        context->AddMetadata("keel-session-id", std::to_string(session));
        context->AddMetadata("keel-seq", std::to_string(seq));
        context->AddMetadata("keel-ack", std::to_string(seq));
    }
    return context;
}

// Runs `call` until it answers something else than UNAVAILABLE or DEADLINE_EXCEEDED (elections
// settling), for at most 20 s: each repetition is a retransmission.
template <typename Call>
grpc::Status Retry(Call call) {
    grpc::Status status;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        status = call();
        if (status.error_code() != grpc::StatusCode::UNAVAILABLE
            && status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
            return status;
        }
        std::this_thread::sleep_for(200ms);
    }
    return status;
}

// Registers a session at member `i`.
uint64_t Register(KeeldCluster& cluster, int i, int64_t ttl_ms) {
    auto stub = keel::v1::Session::NewStub(Channel(cluster.ClientAddress(i)));
    keel::v1::RegisterClientRequest request;
    request.set_ttl_ms(ttl_ms);
    keel::v1::RegisterClientResponse response;
    const grpc::Status status =
        Retry([&] { return stub->RegisterClient(Context(0, 0).get(), request, &response); });
    return status.ok() ? response.session_id() : 0;
}

class KeeldSessionLockTest : public ::testing::Test {
protected:
    void SetUp() override {
        const std::optional<int> leader = cluster_.WaitForLeader();
        ASSERT_TRUE(leader.has_value()) << cluster_.Logs();
        leader_ = *leader;
        follower_ = (leader_ + 1) % cluster_.size();
    }

    KeeldCluster cluster_;
    int leader_ = 0;
    int follower_ = 0;
};

TEST_F(KeeldSessionLockTest, RetransmittedLeaseGrantReturnsTheSameLease) {
    const uint64_t session = Register(cluster_, leader_, 60'000);
    ASSERT_NE(session, 0u) << cluster_.Logs();
    etcdserverpb::LeaseGrantRequest grant;
    grant.set_ttl(60);
    etcdserverpb::LeaseGrantResponse first;
    etcdserverpb::LeaseGrantResponse again;
    auto at_leader = etcdserverpb::Lease::NewStub(Channel(cluster_.ClientAddress(leader_)));
    auto at_follower = etcdserverpb::Lease::NewStub(Channel(cluster_.ClientAddress(follower_)));
    ASSERT_TRUE(Retry([&] {
                    return at_leader->LeaseGrant(Context(session, 1).get(), grant, &first);
                }).ok());
    // The same request through a follower (forwarded with its metadata).
    ASSERT_TRUE(Retry([&] {
                    return at_follower->LeaseGrant(Context(session, 1).get(), grant, &again);
                }).ok());
    EXPECT_NE(first.id(), 0);
    EXPECT_EQ(again.id(), first.id());
    etcdserverpb::LeaseLeasesResponse leases;
    ASSERT_TRUE(at_leader->LeaseLeases(Context(0, 0).get(), {}, &leases).ok());
    ASSERT_EQ(leases.leases_size(), 1);
    EXPECT_EQ(leases.leases(0).id(), first.id());
}

TEST_F(KeeldSessionLockTest, RetransmittedLockReturnsTheSameKeyAndRevision) {
    const uint64_t session = Register(cluster_, leader_, 60'000);
    ASSERT_NE(session, 0u) << cluster_.Logs();
    auto lock = v3lockpb::Lock::NewStub(Channel(cluster_.ClientAddress(leader_)));
    auto lock_via_follower = v3lockpb::Lock::NewStub(Channel(cluster_.ClientAddress(follower_)));
    v3lockpb::LockRequest request;
    request.set_name("job");
    v3lockpb::LockResponse first;
    v3lockpb::LockResponse again;
    ASSERT_TRUE(Retry([&] { return lock->Lock(Context(session, 1).get(), request, &first); }).ok());
    ASSERT_TRUE(Retry([&] {
                    return lock_via_follower->Lock(Context(session, 1).get(), request, &again);
                }).ok());
    EXPECT_EQ(first.key(), "job/session-" + std::to_string(session));
    EXPECT_EQ(again.key(), first.key());
    EXPECT_EQ(again.header().revision(), first.header().revision());
    // One candidate exists, created at the first answer's revision (the fencing token).
    auto kv = etcdserverpb::KV::NewStub(Channel(cluster_.ClientAddress(leader_)));
    etcdserverpb::RangeRequest range;
    range.set_key("job/");
    range.set_range_end("job0");
    etcdserverpb::RangeResponse got;
    ASSERT_TRUE(kv->Range(Context(0, 0).get(), range, &got).ok());
    ASSERT_EQ(got.kvs_size(), 1);
    EXPECT_EQ(got.kvs(0).create_revision(), first.header().revision());
}

TEST_F(KeeldSessionLockTest, ExpiredSessionReleasesItsLockToAWaiter) {
    const uint64_t dying = Register(cluster_, leader_, 1'000);  // the shortest TTL
    const uint64_t waiting = Register(cluster_, leader_, 60'000);
    ASSERT_NE(dying, 0u) << cluster_.Logs();
    ASSERT_NE(waiting, 0u);
    auto lock = v3lockpb::Lock::NewStub(Channel(cluster_.ClientAddress(leader_)));
    v3lockpb::LockRequest request;
    request.set_name("shared");
    v3lockpb::LockResponse held;
    ASSERT_TRUE(Retry([&] { return lock->Lock(Context(dying, 1).get(), request, &held); }).ok());

    // The second client blocks; `dying` sends no keep-alive, so it expires and the leader's
    // sweep deletes its key.
    const auto started = std::chrono::steady_clock::now();
    std::future<grpc::Status> second = std::async(std::launch::async, [&] {
        v3lockpb::LockResponse response;
        grpc::Status status = lock->Lock(Context(waiting, 1, 15s).get(), request, &response);
        if (status.ok() && response.key() != "shared/session-" + std::to_string(waiting)) {
            return grpc::Status(grpc::StatusCode::INTERNAL, "wrong key " + response.key());
        }
        return status;
    });
    ASSERT_EQ(second.wait_for(20s), std::future_status::ready);
    const grpc::Status status = second.get();
    const auto waited = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(status.ok()) << status.error_message() << cluster_.Logs();
    // TTL 1 s, a sweep every 250 ms, plus commits: well under 5 s.
    EXPECT_LT(waited, 5s);

    // The dead session's key is gone and its session too.
    auto kv = etcdserverpb::KV::NewStub(Channel(cluster_.ClientAddress(leader_)));
    etcdserverpb::RangeRequest range;
    range.set_key(held.key());
    etcdserverpb::RangeResponse got;
    ASSERT_TRUE(kv->Range(Context(0, 0).get(), range, &got).ok());
    EXPECT_EQ(got.kvs_size(), 0);
    auto sessions = keel::v1::Session::NewStub(Channel(cluster_.ClientAddress(leader_)));
    keel::v1::SessionKeepAliveRequest keep;
    keep.set_session_id(dying);
    keel::v1::SessionKeepAliveResponse kept;
    EXPECT_EQ(sessions->KeepAlive(Context(0, 0).get(), keep, &kept).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(KeeldSessionLockTest, SessionCallsAtAFollowerReachTheLeader) {
    const uint64_t session = Register(cluster_, follower_, 60'000);
    ASSERT_NE(session, 0u) << cluster_.Logs();
    auto stub = keel::v1::Session::NewStub(Channel(cluster_.ClientAddress(follower_)));
    keel::v1::SessionKeepAliveRequest keep;
    keep.set_session_id(session);
    keel::v1::SessionKeepAliveResponse kept;
    ASSERT_TRUE(Retry([&] { return stub->KeepAlive(Context(0, 0).get(), keep, &kept); }).ok());
    EXPECT_EQ(kept.session_id(), session);
    keel::v1::SessionCloseRequest close;
    close.set_session_id(session);
    keel::v1::SessionCloseResponse closed;
    ASSERT_TRUE(Retry([&] { return stub->Close(Context(0, 0).get(), close, &closed); }).ok());
    // Closed: a second close is told the session is gone.
    EXPECT_EQ(stub->Close(Context(0, 0).get(), close, &closed).error_code(),
              grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace keel::testing
