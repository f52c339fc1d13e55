// keeld end to end: leases across a leader crash, etcdctl's lease and alarm commands, and the
// request limits and storage quota, on three-member clusters of real processes on loopback.
#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "e2e/keeld_cluster.h"
#include "e2e/process.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;
namespace pb = etcdserverpb;

constexpr auto kRpcTimeout = 5s;
constexpr auto kRetryFor = 20s;

std::unique_ptr<grpc::ClientContext> Context(std::chrono::seconds timeout = kRpcTimeout) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + timeout);
    return ctx;
}

class KeeldLeaseTest : public ::testing::Test {
protected:
    void Boot(KeeldClusterOptions options = {}) {
        cluster_ = std::make_unique<KeeldCluster>(std::move(options));
        leader_ = cluster_->WaitForLeader();
        ASSERT_TRUE(leader_.has_value()) << cluster_->Logs();
    }

    int Follower() const { return (*leader_ + 1) % cluster_->size(); }

    std::string Endpoint(int i) const { return "http://" + cluster_->ClientAddress(i); }

    std::shared_ptr<grpc::Channel> Channel(int i) const {
        return grpc::CreateChannel(cluster_->ClientAddress(i), grpc::InsecureChannelCredentials());
    }

    // Retries a gRPC call while it fails with UNAVAILABLE (elections), up to kRetryFor.
    template <typename Fn>
    static grpc::Status Retry(Fn fn) {
        const auto deadline = std::chrono::steady_clock::now() + kRetryFor;
        grpc::Status s;
        do {
            s = fn();
            if (s.error_code() != grpc::StatusCode::UNAVAILABLE) {
                return s;
            }
            std::this_thread::sleep_for(100ms);
        } while (std::chrono::steady_clock::now() < deadline);
        return s;
    }

    std::unique_ptr<KeeldCluster> cluster_;
    std::optional<int> leader_;
};

// etcdctl's lease commands against keeld, through a follower.
TEST_F(KeeldLeaseTest, EtcdctlLeaseCommands) {
    Boot();
    const std::string ep = Endpoint(Follower());
    EtcdctlResult grant = Etcdctl(ep, "lease grant 60");
    ASSERT_EQ(grant.exit_code, 0) << grant.output << cluster_->Logs();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        grant.output, m, std::regex("lease ([0-9a-f]+) granted with TTL\\(60s\\)")))
        << grant.output;
    const std::string id = m[1];

    EtcdctlResult put = Etcdctl(ep, "put --lease=" + id + " owned v");
    ASSERT_EQ(put.exit_code, 0) << put.output;
    EtcdctlResult keep = Etcdctl(ep, "lease keep-alive --once " + id);
    EXPECT_EQ(keep.exit_code, 0) << keep.output;
    EXPECT_NE(keep.output.find("lease " + id + " keepalived with TTL(60)"), std::string::npos)
        << keep.output;
    EtcdctlResult ttl = Etcdctl(ep, "lease timetolive --keys " + id);
    EXPECT_EQ(ttl.exit_code, 0) << ttl.output;
    EXPECT_TRUE(
        std::regex_search(ttl.output,
                          std::regex("lease " + id
                                     + " granted with TTL\\(60s\\), remaining\\((59|60)s\\), "
                                       "attached keys\\(\\[owned\\]\\)")))
        << ttl.output;
    EtcdctlResult list = Etcdctl(ep, "lease list");
    EXPECT_EQ(list.exit_code, 0) << list.output;
    EXPECT_EQ(list.output, "found 1 leases\n" + id + "\n");
    EtcdctlResult revoke = Etcdctl(ep, "lease revoke " + id);
    EXPECT_EQ(revoke.exit_code, 0) << revoke.output;
    EXPECT_EQ(revoke.output, "lease " + id + " revoked\n");
    EtcdctlResult get = Etcdctl(ep, "get owned");
    EXPECT_EQ(get.exit_code, 0);
    EXPECT_EQ(get.output, "");
    EtcdctlResult gone = Etcdctl(ep, "lease timetolive " + id);
    EXPECT_EQ(gone.output, "lease " + id + " already expired\n");
}

// A lease kept alive through a follower survives a SIGKILL of the leader: the new leader
// restarts it with at least its TTL plus an election timeout, and the follower's keepalive
// stream finds the new leader.
TEST_F(KeeldLeaseTest, LeaderKillDoesNotExpireAKeptAliveLease) {
    Boot();
    const int via = Follower();
    auto channel = Channel(via);
    auto lease = pb::Lease::NewStub(channel);
    auto kv = pb::KV::NewStub(channel);
    pb::LeaseGrantRequest grant;
    grant.set_ttl(2);
    pb::LeaseGrantResponse granted;
    ASSERT_TRUE(lease->LeaseGrant(Context().get(), grant, &granted).ok());
    pb::PutRequest put;
    put.set_key("held");
    put.set_lease(granted.id());
    pb::PutResponse put_resp;
    ASSERT_TRUE(kv->Put(Context().get(), put, &put_resp).ok());

    grpc::ClientContext stream_ctx;
    stream_ctx.set_deadline(std::chrono::system_clock::now() + 60s);
    auto stream = lease->LeaseKeepAlive(&stream_ctx);
    pb::LeaseKeepAliveRequest keep;
    keep.set_id(granted.id());
    const auto start = std::chrono::steady_clock::now();
    bool killed = false;
    std::chrono::milliseconds slowest{0};
    // Keep alive every 300 ms for 8 s; kill the leader after 1 s.
    while (std::chrono::steady_clock::now() < start + 8s) {
        if (!killed && std::chrono::steady_clock::now() > start + 1s) {
            cluster_->Kill(*leader_);
            killed = true;
        }
        const auto sent = std::chrono::steady_clock::now();
        ASSERT_TRUE(stream->Write(keep));
        pb::LeaseKeepAliveResponse resp;
        ASSERT_TRUE(stream->Read(&resp)) << stream->Finish().error_message() << cluster_->Logs();
        ASSERT_EQ(resp.ttl(), 2) << "the lease expired during the leader change";
        slowest = std::max(slowest,
                           std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - sent));
        std::this_thread::sleep_for(300ms);
    }
    std::printf("slowest keepalive across the leader kill: %lld ms\n",
                static_cast<long long>(slowest.count()));
    pb::RangeRequest get;
    get.set_key("held");
    pb::RangeResponse got;
    ASSERT_TRUE(Retry([&] { return kv->Range(Context().get(), get, &got); }).ok());
    EXPECT_EQ(got.kvs_size(), 1) << "the key of a kept-alive lease was deleted";
    stream->WritesDone();
    (void)stream->Finish();
}

// The leader checkpoints remaining TTLs: a new leader continues a lease's countdown instead of
// restarting it at its full TTL.
TEST_F(KeeldLeaseTest, CheckpointsCarryRemainingTtlAcrossLeaderChange) {
    Boot(KeeldClusterOptions{.extra_flags = {"--lease-checkpoint-interval-ms=500"}});
    const int via = Follower();
    auto lease = pb::Lease::NewStub(Channel(via));
    pb::LeaseGrantRequest grant;
    grant.set_ttl(30);
    pb::LeaseGrantResponse granted;
    ASSERT_TRUE(lease->LeaseGrant(Context().get(), grant, &granted).ok());
    std::this_thread::sleep_for(5s);
    cluster_->Kill(*leader_);
    pb::LeaseTimeToLiveRequest ttl_req;
    ttl_req.set_id(granted.id());
    pb::LeaseTimeToLiveResponse ttl;
    ASSERT_TRUE(Retry([&] { return lease->LeaseTimeToLive(Context().get(), ttl_req, &ttl); }).ok());
    std::printf("remaining TTL after 5 s and a leader change: %lld of 30 s\n",
                static_cast<long long>(ttl.ttl()));
    EXPECT_GE(ttl.ttl(), 20);
    EXPECT_LE(ttl.ttl(), 28) << "the new leader restarted the lease at its full TTL";
}

TEST_F(KeeldLeaseTest, KeepAliveRoundTripsPerSecond) {
    Boot();
    for (const int member : {*leader_, Follower()}) {
        auto lease = pb::Lease::NewStub(Channel(member));
        pb::LeaseGrantRequest grant;
        grant.set_ttl(60);
        pb::LeaseGrantResponse granted;
        ASSERT_TRUE(lease->LeaseGrant(Context().get(), grant, &granted).ok());
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + 30s);
        auto stream = lease->LeaseKeepAlive(&ctx);
        pb::LeaseKeepAliveRequest keep;
        keep.set_id(granted.id());
        constexpr int kRounds = 2000;
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < kRounds; ++i) {
            ASSERT_TRUE(stream->Write(keep));
            pb::LeaseKeepAliveResponse resp;
            ASSERT_TRUE(stream->Read(&resp));
            ASSERT_EQ(resp.ttl(), 60);
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("keepalives on one stream via the %s: %.0f/s\n",
                    member == *leader_ ? "leader" : "follower",
                    kRounds / seconds);
        stream->WritesDone();
        EXPECT_TRUE(stream->Finish().ok());
    }
}

// --max-request-bytes, --max-txn-ops and --quota-backend-bytes with etcd's errors, and
// `etcdctl alarm list/disarm`.
TEST_F(KeeldLeaseTest, LimitsQuotaAndNoSpaceAlarm) {
    Boot(KeeldClusterOptions{.extra_flags = {"--max-request-bytes=131072",
                                             "--max-txn-ops=4",
                                             "--quota-backend-bytes=1048576"}});
    auto kv = pb::KV::NewStub(Channel(Follower()));
    pb::PutRequest big;
    big.set_key("big");
    big.set_value(std::string(131072, 'x'));
    pb::PutResponse put_resp;
    grpc::Status s = kv->Put(Context().get(), big, &put_resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "etcdserver: request is too large");

    pb::TxnRequest txn;
    for (int i = 0; i < 5; ++i) {
        txn.add_success()->mutable_request_put()->set_key("t" + std::to_string(i));
    }
    pb::TxnResponse txn_resp;
    s = kv->Txn(Context().get(), txn, &txn_resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "etcdserver: too many operations in txn request");
    txn.mutable_success()->RemoveLast();
    EXPECT_TRUE(kv->Txn(Context().get(), txn, &txn_resp).ok()) << "4 ops are allowed";

    // Fill the store past 1 MiB with 100 KiB values until the leader refuses.
    pb::PutRequest chunk;
    chunk.set_value(std::string(100 * 1024, 'y'));
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    int written = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        chunk.set_key("fill/" + std::to_string(written));
        s = kv->Put(Context().get(), chunk, &put_resp);
        if (!s.ok()) {
            break;
        }
        ++written;
        std::this_thread::sleep_for(50ms);  // the store size is refreshed once a second
    }
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
    EXPECT_EQ(s.error_message(), "etcdserver: mvcc: database space exceeded");
    std::printf("NOSPACE after %d puts of 100 KiB (quota 1 MiB)\n", written);

    // The alarm is an entry: a follower lists it once it has applied it (under load, that
    // can take a while after the leader refused the write).
    const std::string ep = Endpoint(Follower());
    EtcdctlResult alarms = Etcdctl(ep, "alarm list");
    for (auto until = std::chrono::steady_clock::now() + 15s;
         alarms.output.find("alarm:NOSPACE") == std::string::npos
         && std::chrono::steady_clock::now() < until;) {
        std::this_thread::sleep_for(100ms);
        alarms = Etcdctl(ep, "alarm list");
    }
    EXPECT_EQ(alarms.exit_code, 0) << alarms.output;
    EXPECT_NE(alarms.output.find("alarm:NOSPACE"), std::string::npos) << alarms.output;
    // Alarms are durable, as in etcd: a member restarted cleanly (its store flushed, so the
    // alarm entry is not replayed from the WAL) still lists it, with no write to re-raise it.
    const int follower = Follower();
    ASSERT_TRUE(cluster_->Stop(follower));
    cluster_->Start(follower);
    alarms = Etcdctl(ep, "alarm list");
    for (auto until = std::chrono::steady_clock::now() + 15s;
         alarms.exit_code != 0 && std::chrono::steady_clock::now() < until;) {
        std::this_thread::sleep_for(100ms);
        alarms = Etcdctl(ep, "alarm list");
    }
    EXPECT_EQ(alarms.exit_code, 0) << alarms.output;
    EXPECT_NE(alarms.output.find("alarm:NOSPACE"), std::string::npos)
        << "after a restart: " << alarms.output;
    // Even a small put is refused while the alarm is raised; deletes still work.
    EtcdctlResult small = Etcdctl(ep, "put small v");
    EXPECT_NE(small.exit_code, 0);
    EXPECT_NE(small.output.find("database space exceeded"), std::string::npos) << small.output;
    EtcdctlResult del = Etcdctl(ep, "del --prefix fill/");
    EXPECT_EQ(del.exit_code, 0) << del.output;
    EtcdctlResult disarm = Etcdctl(ep, "alarm disarm");
    EXPECT_EQ(disarm.exit_code, 0) << disarm.output;
    EXPECT_NE(disarm.output.find("alarm:NOSPACE"), std::string::npos) << disarm.output;
    EtcdctlResult after = Etcdctl(ep, "alarm list");
    EXPECT_EQ(after.exit_code, 0) << after.output;
    EXPECT_EQ(after.output, "") << "disarmed";
}

}  // namespace
}  // namespace keel::testing
