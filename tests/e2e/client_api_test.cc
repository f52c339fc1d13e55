// keel's C++ client on a three-member keeld cluster: the typed API (Txn compare-and-swap, Watch
// resuming after its member dies, Lease keep-alive, Lock with a fencing token).
#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/keeld_cluster.h"
#include "keel/client.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;
using client::Client;
using client::Compare;
using client::CompareOp;

std::unique_ptr<Client> Connect(std::vector<std::string> endpoints) {
    absl::StatusOr<std::unique_ptr<Client>> c = Client::Connect(
        {.endpoints = std::move(endpoints), .call_timeout = 15s, .attempt_timeout = 1s});
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
}

std::vector<std::string> Endpoints(const KeeldCluster& cluster) {
    std::vector<std::string> endpoints;
    for (int i = 0; i < cluster.size(); ++i) {
        endpoints.push_back(cluster.ClientAddress(i));
    }
    return endpoints;
}

TEST(ClientApiTest, TxnCompareAndSwapIncrements) {
    KeeldCluster cluster;
    ASSERT_TRUE(cluster.WaitForLeader().has_value()) << cluster.Logs();
    std::unique_ptr<Client> c = Connect(Endpoints(cluster));
    ASSERT_TRUE(c->Put("counter", "0").ok());
    for (int i = 0; i < 5; ++i) {
        client::Txn txn;
        txn.If(Compare::Value("counter", CompareOp::kEqual, std::to_string(i)))
            .ThenPut("counter", std::to_string(i + 1))
            .ElseGet("counter");
        absl::StatusOr<client::TxnResult> result = c->Commit(txn);
        ASSERT_TRUE(result.ok()) << result.status();
        EXPECT_TRUE(result->succeeded);
        ASSERT_EQ(result->results.size(), 1u);
        EXPECT_TRUE(std::holds_alternative<client::PutResult>(result->results[0]));
    }
    client::Txn stale;
    stale.If(Compare::Value("counter", CompareOp::kEqual, "0"))
        .ThenPut("counter", "x")
        .ElseGet("counter");
    absl::StatusOr<client::TxnResult> result = c->Commit(stale);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_FALSE(result->succeeded);
    EXPECT_EQ(std::get<client::GetResult>(result->results[0]).kvs.at(0).value, "5");
}

TEST(ClientApiTest, WatchResumesOnAnotherMemberWithoutGapsOrRepeats) {
    KeeldCluster cluster;
    ASSERT_TRUE(cluster.WaitForLeader().has_value()) << cluster.Logs();
    // The watcher starts on endpoint 0, which the test kills. (The writer needs every endpoint:
    // a session is registered at the leader, and followers do not forward registrations.)
    std::unique_ptr<Client> watching = Connect(Endpoints(cluster));
    std::unique_ptr<Client> writer = Connect(Endpoints(cluster));
    std::mutex mu;
    std::vector<std::string> seen;
    std::unique_ptr<client::Watcher> watcher =
        watching->Watch("w/", {.prefix = true}, [&](const std::vector<client::WatchEvent>& events) {
            std::lock_guard lock(mu);
            for (const client::WatchEvent& event : events) {
                seen.push_back(event.kv.value);
            }
        });
    const auto wait_for = [&](size_t count) {
        const auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            {
                std::lock_guard lock(mu);
                if (seen.size() >= count) {
                    return true;
                }
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    };
    std::this_thread::sleep_for(500ms);  // the watch is created
    for (int i = 0; i < 3; ++i) {
        const absl::StatusOr<client::PutResult> put =
            writer->Put("w/" + std::to_string(i), std::to_string(i));
        ASSERT_TRUE(put.ok()) << put.status();
    }
    ASSERT_TRUE(wait_for(3));
    cluster.Kill(0);
    for (int i = 3; i < 6; ++i) {
        const absl::StatusOr<client::PutResult> put =
            writer->Put("w/" + std::to_string(i), std::to_string(i));
        ASSERT_TRUE(put.ok()) << put.status() << "\n" << cluster.Logs();
    }
    ASSERT_TRUE(wait_for(6)) << "resumes: " << watcher->resumes();
    std::this_thread::sleep_for(300ms);
    watcher->Cancel();
    EXPECT_GE(watcher->resumes(), 1u);
    EXPECT_TRUE(watcher->status().ok());
    std::lock_guard lock(mu);
    EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
}

TEST(ClientApiTest, LeaseKeepAliveAndLockFencingTokens) {
    KeeldCluster cluster;
    ASSERT_TRUE(cluster.WaitForLeader().has_value()) << cluster.Logs();
    std::unique_ptr<Client> c = Connect(Endpoints(cluster));
    absl::StatusOr<client::LeaseGrantResult> lease = c->LeaseGrant(2);
    ASSERT_TRUE(lease.ok()) << lease.status();
    ASSERT_TRUE(c->Put("leased", "v", {.lease = lease->id}).ok());
    {
        std::unique_ptr<client::LeaseKeepAlive> keeper = c->KeepAlive(lease->id);
        std::this_thread::sleep_for(3500ms);  // longer than the TTL
        EXPECT_TRUE(keeper->status().ok());
        EXPECT_GT(keeper->last_ttl_s(), 0);
        absl::StatusOr<client::GetResult> alive = c->Get("leased");
        ASSERT_TRUE(alive.ok());
        EXPECT_EQ(alive->kvs.size(), 1u) << "the keep-alive kept the lease";
    }
    // Two holders in turn: the second token is larger.
    absl::StatusOr<client::LockResult> first = c->Lock("job", lease->id);
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE(c->Unlock(first->key).ok());
    absl::StatusOr<client::LeaseGrantResult> other = c->LeaseGrant(30);
    ASSERT_TRUE(other.ok());
    absl::StatusOr<client::LockResult> second = c->Lock("job", other->id);
    ASSERT_TRUE(second.ok()) << second.status();
    EXPECT_GT(second->fencing_token, first->fencing_token);
    ASSERT_TRUE(c->LeaseRevoke(other->id).ok());
    absl::StatusOr<client::GetResult> gone = c->Get(second->key);
    ASSERT_TRUE(gone.ok());
    EXPECT_TRUE(gone->kvs.empty()) << "revoking the lease released the lock";
}

TEST(ClientApiTest, SessionKeepAliveOutlivesTheTtl) {
    KeeldCluster cluster;
    ASSERT_TRUE(cluster.WaitForLeader().has_value()) << cluster.Logs();
    absl::StatusOr<std::unique_ptr<Client>> c =
        Client::Connect({.endpoints = Endpoints(cluster), .session_ttl = 1s});
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_TRUE((*c)->Put("idle", "1").ok());
    const uint64_t session = (*c)->session_id();
    std::this_thread::sleep_for(2500ms);  // idle for more than two TTLs
    const absl::StatusOr<client::PutResult> put = (*c)->Put("idle", "2");
    ASSERT_TRUE(put.ok()) << put.status();
    EXPECT_EQ((*c)->session_id(), session);
    ASSERT_TRUE((*c)->CloseSession().ok());
    EXPECT_EQ((*c)->session_id(), 0u);
}

}  // namespace
}  // namespace keel::testing
