// keeld end to end, client sessions (#5, docs/sessions.md): a Put retransmitted in a session
// (to the leader, to a follower, after the leader is killed) executes once and gets the same
// answer; an expired session gets the distinct FAILED_PRECONDITION error.
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "e2e/keeld_cluster.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
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

void SetDeadline(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() + 5s);
}

// Registers a session at the leader, retrying while elections settle.
uint64_t Register(KeeldCluster& cluster, int64_t ttl_ms) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        const std::optional<int> leader = cluster.WaitForLeader();
        if (leader.has_value()) {
            auto stub = keel::v1::Session::NewStub(Channel(cluster.ClientAddress(*leader)));
            grpc::ClientContext context;
            SetDeadline(&context);
            keel::v1::RegisterClientRequest request;
            request.set_ttl_ms(ttl_ms);
            keel::v1::RegisterClientResponse response;
            if (stub->RegisterClient(&context, request, &response).ok()) {
                return response.session_id();
            }
        }
        std::this_thread::sleep_for(200ms);
    }
    return 0;
}

// Sends Put(key, value) as request `seq` of `session` to member `i`, retrying transport and
// election errors (a retransmission, which is exactly what sessions make safe).
grpc::Status SessionPut(KeeldCluster& cluster,
                        int i,
                        uint64_t session,
                        uint64_t seq,
                        const std::string& key,
                        const std::string& value,
                        etcdserverpb::PutResponse* response) {
    auto stub = etcdserverpb::KV::NewStub(Channel(cluster.ClientAddress(i)));
    etcdserverpb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    grpc::Status status;
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
        grpc::ClientContext context;
        SetDeadline(&context);
        context.AddMetadata("keel-session-id", std::to_string(session));
        context.AddMetadata("keel-seq", std::to_string(seq));
        context.AddMetadata("keel-ack", std::to_string(seq));
        response->Clear();
        status = stub->Put(&context, request, response);
        if (status.error_code() != grpc::StatusCode::UNAVAILABLE
            && status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
            return status;
        }
        std::this_thread::sleep_for(200ms);
    }
    return status;
}

TEST(KeeldSessionTest, RetransmittedPutExecutesOnce) {
    KeeldCluster cluster;
    const std::optional<int> leader = cluster.WaitForLeader();
    ASSERT_TRUE(leader.has_value()) << cluster.Logs();
    const uint64_t session = Register(cluster, 60'000);
    ASSERT_NE(session, 0u) << cluster.Logs();

    etcdserverpb::PutResponse first;
    ASSERT_TRUE(SessionPut(cluster, *leader, session, 1, "k", "v1", &first).ok());
    const int64_t revision = first.header().revision();
    ASSERT_GT(revision, 1);

    // Same request again, to the leader and to a follower (forwarded with its metadata).
    etcdserverpb::PutResponse again;
    ASSERT_TRUE(SessionPut(cluster, *leader, session, 1, "k", "v1", &again).ok());
    EXPECT_EQ(again.header().revision(), revision);
    const int follower = (*leader + 1) % cluster.size();
    etcdserverpb::PutResponse forwarded;
    ASSERT_TRUE(SessionPut(cluster, follower, session, 1, "k", "v1", &forwarded).ok());
    EXPECT_EQ(forwarded.header().revision(), revision);

    // Kill the leader: the new leader's state machine holds the same table.
    cluster.Kill(*leader);
    etcdserverpb::PutResponse after_failover;
    ASSERT_TRUE(SessionPut(cluster, follower, session, 1, "k", "v1", &after_failover).ok())
        << cluster.Logs();
    EXPECT_EQ(after_failover.header().revision(), revision);

    // The store did not move: the next request executes at revision + 1.
    etcdserverpb::PutResponse second;
    ASSERT_TRUE(SessionPut(cluster, follower, session, 2, "k", "v2", &second).ok());
    EXPECT_EQ(second.header().revision(), revision + 1);
}

TEST(KeeldSessionTest, ExpiredSessionGetsADistinctError) {
    KeeldCluster cluster;
    const std::optional<int> leader = cluster.WaitForLeader();
    ASSERT_TRUE(leader.has_value()) << cluster.Logs();
    const uint64_t session = Register(cluster, 1'000);  // the minimum TTL
    ASSERT_NE(session, 0u) << cluster.Logs();
    std::this_thread::sleep_for(1500ms);
    etcdserverpb::PutResponse response;
    const grpc::Status status = SessionPut(cluster, *leader, session, 1, "k", "v", &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(status.error_message(), "keel: session expired or unknown");
    const grpc::Status unknown =
        SessionPut(cluster, *leader, session + 1000, 1, "k", "v", &response);
    EXPECT_EQ(unknown.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace keel::testing
