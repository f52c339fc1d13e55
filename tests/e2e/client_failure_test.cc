// The five failure classes of request-reply (docs/client.md), each produced on a real
// three-member keeld cluster, and what keel's client does about it under its three call
// semantics. A GrpcFaultProxy between client and server loses requests or replies.
//
// The write under test is a Put to one key: not idempotent, because every execution bumps the
// key's version. So the version counts executions: duplicates are visible.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "e2e/grpc_fault_proxy.h"
#include "e2e/keeld_cluster.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "keel/client.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;
using client::CallSemantics;
using client::Client;
using client::ClientOptions;

int Port(const std::string& address) {
    return std::stoi(address.substr(address.rfind(':') + 1));
}

std::unique_ptr<Client> Connect(std::vector<std::string> endpoints,
                                CallSemantics semantics,
                                std::chrono::milliseconds call_timeout = 15s) {
    ClientOptions options{.endpoints = std::move(endpoints),
                          .write_semantics = semantics,
                          .call_timeout = call_timeout,
                          .attempt_timeout = 1s,
                          .seed = 1};
    absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(std::move(options));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? std::move(*client) : nullptr;
}

std::vector<std::string> AllEndpoints(const KeeldCluster& cluster) {
    std::vector<std::string> endpoints;
    for (int i = 0; i < cluster.size(); ++i) {
        endpoints.push_back(cluster.ClientAddress(i));
    }
    return endpoints;
}

// How many times `key` was written (0: never), read straight from the cluster.
int64_t Version(const KeeldCluster& cluster, const std::string& key) {
    std::unique_ptr<Client> reader = Connect(AllEndpoints(cluster), CallSemantics::kMaybe);
    absl::StatusOr<client::GetResult> got = reader->Get(key);
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() && !got->kvs.empty() ? got->kvs[0].version : 0;
}

// 1. No server reachable: a clear error once the call's deadline has passed, not before.
TEST(ClientFailureTest, NoServerReachableFailsClearlyAtTheDeadline) {
    const std::vector<std::string> nowhere = {"127.0.0.1:" + std::to_string(PickFreePort()),
                                              "127.0.0.1:" + std::to_string(PickFreePort())};
    std::unique_ptr<Client> c = Connect(nowhere, CallSemantics::kExactlyOnce, 2s);
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<client::PutResult> put = c->Put("k", "v");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(put.ok());
    EXPECT_EQ(put.status().code(), absl::StatusCode::kDeadlineExceeded);
    EXPECT_NE(put.status().message().find("got no answer within"), std::string::npos)
        << put.status();
    EXPECT_NE(put.status().message().find("failed to connect"), std::string::npos) << put.status();
    EXPECT_GE(elapsed, 1900ms);
    EXPECT_LT(elapsed, 5s);
    EXPECT_GT(c->stats().retries, 2u);
}

// 2. Request lost: retrying is safe under at-least-once and exactly-once; maybe gives up.
TEST(ClientFailureTest, LostRequestsAreResentExceptUnderMaybe) {
    KeeldCluster cluster;
    const std::optional<int> leader = cluster.WaitForLeader();
    ASSERT_TRUE(leader.has_value()) << cluster.Logs();
    GrpcFaultProxy proxy(Port(cluster.ClientAddress(*leader)));
    for (const auto& [semantics, key] : {std::pair{CallSemantics::kExactlyOnce, "exactly-once"},
                                         std::pair{CallSemantics::kAtLeastOnce, "at-least-once"}}) {
        std::unique_ptr<Client> c = Connect({proxy.address()}, semantics);
        if (semantics == CallSemantics::kExactlyOnce) {
            ASSERT_TRUE(c->OpenSession().ok());
        }
        proxy.DropNextRequests(3);
        absl::StatusOr<client::PutResult> put = c->Put(key, "v");
        ASSERT_TRUE(put.ok()) << key << ": " << put.status();
        EXPECT_GE(c->stats().retries, 3u) << key;
        EXPECT_EQ(Version(cluster, key), 1) << key;
    }
    std::unique_ptr<Client> maybe = Connect({proxy.address()}, CallSemantics::kMaybe);
    ASSERT_TRUE(maybe->Get("warm-up").ok());
    proxy.DropNextRequests(1);
    absl::StatusOr<client::PutResult> put = maybe->Put("maybe", "v");
    EXPECT_FALSE(put.ok());
    EXPECT_EQ(maybe->stats().retries, 0u);
    EXPECT_EQ(Version(cluster, "maybe"), 0);
    EXPECT_GE(proxy.requests_dropped(), 7u);
}

// 3. The server crashes after receiving the request: the client fails over and re-sends it in
// its session; whether or not the dead leader had committed it, it executes once.
TEST(ClientFailureTest, ServerCrashAfterReceivingExecutesOnceElsewhere) {
    KeeldCluster cluster;
    const std::optional<int> leader = cluster.WaitForLeader();
    ASSERT_TRUE(leader.has_value()) << cluster.Logs();
    GrpcFaultProxy proxy(Port(cluster.ClientAddress(*leader)));
    std::vector<std::string> endpoints = {proxy.address()};
    for (int i = 0; i < cluster.size(); ++i) {
        if (i != *leader) {
            endpoints.push_back(cluster.ClientAddress(i));
        }
    }
    std::unique_ptr<Client> c = Connect(endpoints, CallSemantics::kExactlyOnce);
    ASSERT_TRUE(c->Put("crash", "before").ok());
    proxy.OnNextRequest([&cluster, i = *leader] { cluster.Kill(i); });
    absl::StatusOr<client::PutResult> put = c->Put("crash", "after");
    ASSERT_TRUE(put.ok()) << put.status() << cluster.Logs();
    EXPECT_GE(c->stats().retries, 1u);
    EXPECT_EQ(Version(cluster, "crash"), 2);
}

// 4. Reply lost (the demonstration of #5): every other reply is lost after the server executed
// the request, so the client re-sends every write. In a session each write executes once;
// without one, the same workload executes writes twice; under maybe, the caller sees errors
// for writes that did execute.
TEST(ClientFailureTest, LostRepliesDuplicateWritesWithoutSessionsOnly) {
    KeeldCluster cluster;
    const std::optional<int> leader = cluster.WaitForLeader();
    ASSERT_TRUE(leader.has_value()) << cluster.Logs();
    GrpcFaultProxy proxy(Port(cluster.ClientAddress(*leader)));
    proxy.DropReplies(2);
    constexpr int kWrites = 10;

    std::unique_ptr<Client> exactly = Connect({proxy.address()}, CallSemantics::kExactlyOnce);
    for (int i = 0; i < kWrites; ++i) {
        absl::StatusOr<client::PutResult> put = exactly->Put("exactly-once", std::to_string(i));
        ASSERT_TRUE(put.ok()) << i << ": " << put.status();
    }
    EXPECT_GE(exactly->stats().retries, static_cast<uint64_t>(kWrites / 2));
    EXPECT_EQ(Version(cluster, "exactly-once"), kWrites);

    std::unique_ptr<Client> at_least = Connect({proxy.address()}, CallSemantics::kAtLeastOnce);
    for (int i = 0; i < kWrites; ++i) {
        absl::StatusOr<client::PutResult> put = at_least->Put("at-least-once", std::to_string(i));
        ASSERT_TRUE(put.ok()) << i << ": " << put.status();
    }
    const int64_t executions = Version(cluster, "at-least-once");
    EXPECT_GT(executions, kWrites) << "no duplicates without a session?";
    std::printf("reply loss, %d writes: exactly-once executed %d, at-least-once executed %d\n",
                kWrites,
                static_cast<int>(Version(cluster, "exactly-once")),
                static_cast<int>(executions));

    std::unique_ptr<Client> maybe = Connect({proxy.address()}, CallSemantics::kMaybe);
    int unknown = 0;
    for (int i = 0; i < kWrites; ++i) {
        absl::StatusOr<client::PutResult> put = maybe->Put("maybe", std::to_string(i));
        if (!put.ok()) {
            EXPECT_TRUE(client::IsOutcomeUnknown(put.status())) << put.status();
            ++unknown;
        }
    }
    EXPECT_GT(unknown, 0);
    EXPECT_EQ(maybe->stats().retries, 0u);
    EXPECT_EQ(Version(cluster, "maybe"), kWrites) << "every write executed, answered or not";
}

// 5. The client crashes after sending: its write executed at most once, and once its session
// has expired a late copy of the request is refused (it can never execute again). The next
// incarnation opens a new session; the old one is never reused.
TEST(ClientFailureTest, ClientCrashAfterSendingLeavesAnOrphanThatExpires) {
    KeeldCluster cluster;
    const std::optional<int> leader = cluster.WaitForLeader();
    ASSERT_TRUE(leader.has_value()) << cluster.Logs();
    GrpcFaultProxy proxy(Port(cluster.ClientAddress(*leader)));
    uint64_t old_session = 0;
    {
        ClientOptions options{.endpoints = {proxy.address()},
                              .call_timeout = 1500ms,
                              .attempt_timeout = 500ms,
                              .session_ttl = 1s};
        absl::StatusOr<std::unique_ptr<Client>> crashing = Client::Connect(options);
        ASSERT_TRUE(crashing.ok());
        absl::StatusOr<uint64_t> opened = (*crashing)->OpenSession();
        ASSERT_TRUE(opened.ok()) << opened.status();
        old_session = *opened;
        proxy.DropReplies(1);  // from now on, the client hears nothing
        absl::StatusOr<client::PutResult> put = (*crashing)->Put("orphan", "v");
        EXPECT_FALSE(put.ok());
        EXPECT_TRUE(client::IsOutcomeUnknown(put.status())) << put.status();
        // The client goes away without closing its session: a crash, as far as keel can tell.
    }
    std::unique_ptr<Client> next = Connect(AllEndpoints(cluster), CallSemantics::kExactlyOnce);
    ASSERT_TRUE(next->Put("next-incarnation", "v").ok());
    EXPECT_GT(next->session_id(), old_session);
    EXPECT_EQ(Version(cluster, "orphan"), 1) << "sent several times, executed once";

    // A delayed copy of the orphan request (its session, a new seq) after the session's TTL.
    std::this_thread::sleep_for(1500ms);
    auto stub = etcdserverpb::KV::NewStub(
        grpc::CreateChannel(cluster.ClientAddress(*leader), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    context.AddMetadata("keel-session-id", std::to_string(old_session));
    context.AddMetadata("keel-seq", "2");
    etcdserverpb::PutRequest request;
    request.set_key("orphan");
    request.set_value("late");
    etcdserverpb::PutResponse response;
    const grpc::Status late = stub->Put(&context, request, &response);
    EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION) << late.error_message();
    EXPECT_EQ(Version(cluster, "orphan"), 1);
}

// A session that expired gives a distinct error; the client does not open a new one and
// re-send on its own, only when the caller asks.
TEST(ClientFailureTest, ExpiredSessionIsReportedNotReplaced) {
    KeeldCluster cluster;
    ASSERT_TRUE(cluster.WaitForLeader().has_value()) << cluster.Logs();
    GrpcFaultProxy proxy(Port(cluster.ClientAddress(*cluster.WaitForLeader())));
    ClientOptions options{.endpoints = {proxy.address()}, .session_ttl = 1s};
    absl::StatusOr<std::unique_ptr<Client>> c = Client::Connect(options);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->Put("s", "1").ok());
    const uint64_t first = (*c)->session_id();
    // Keep-alives are lost too: the session expires while the client still holds it.
    proxy.DropNextRequests(1000);
    std::this_thread::sleep_for(1500ms);
    proxy.DropNextRequests(0);
    absl::StatusOr<client::PutResult> put = (*c)->Put("s", "2");
    ASSERT_FALSE(put.ok());
    EXPECT_TRUE(client::IsSessionExpired(put.status())) << put.status();
    absl::StatusOr<client::PutResult> again = (*c)->Put("s", "3");
    EXPECT_TRUE(client::IsSessionExpired(again.status())) << again.status();
    EXPECT_EQ((*c)->session_id(), first);
    EXPECT_EQ(Version(cluster, "s"), 1);
    ASSERT_TRUE((*c)->OpenSession().ok());
    EXPECT_TRUE((*c)->Put("s", "4").ok());
    EXPECT_EQ(Version(cluster, "s"), 2);
}

}  // namespace
}  // namespace keel::testing
