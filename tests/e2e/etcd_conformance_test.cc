// The etcd v3 API as etcd itself serves it, checked through keel's own .proto files.
//
// These tests pin down the wire contract keel must honour: they run against a real etcd
// (Debian's etcd-server) today, which proves that keel's hand-written .proto files match
// etcd's field numbers and semantics, and they will run against keeld unchanged once it
// exists (issue #4), which proves keel behaves like etcd.
#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "e2e/process.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/v3electionpb/v3election.grpc.pb.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;
namespace pb = etcdserverpb;

constexpr auto kStartupTimeout = 20s;
constexpr auto kRpcTimeout = 5s;

// One single-member etcd on loopback, in a temp dir, killed by PID at the end.
class EtcdServer {
public:
    EtcdServer() : client_port_(PickFreePort()), peer_port_(PickFreePort()) {
        const std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
        const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
        process_ = std::make_unique<Process>(
            std::vector<std::string>{"etcd",
                                     "--name=conformance",
                                     "--data-dir=" + dir_.path() + "/data",
                                     "--listen-client-urls=" + client,
                                     "--advertise-client-urls=" + client,
                                     "--listen-peer-urls=" + peer,
                                     "--initial-advertise-peer-urls=" + peer,
                                     "--initial-cluster=conformance=" + peer,
                                     "--log-level=error"},
            dir_.path() + "/etcd.log");
    }

    std::string target() const { return "127.0.0.1:" + std::to_string(client_port_); }

    int port() const { return client_port_; }

    std::string Log() const { return process_->Log(); }

private:
    TempDir dir_;
    int client_port_;
    int peer_port_;
    std::unique_ptr<Process> process_;
};

class EtcdConformance : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (std::system("command -v etcd >/dev/null 2>&1") != 0) {
            GTEST_FAIL() << "etcd is not installed: run scripts/setup.sh";
        }
        server_ = new EtcdServer();
        // Connect only once the port listens: a refused first attempt would put the channel
        // into gRPC's reconnect backoff (seconds).
        ASSERT_TRUE(WaitForPort(server_->port(), kStartupTimeout)) << server_->Log();
        channel_ = grpc::CreateChannel(server_->target(), grpc::InsecureChannelCredentials());
        // Ready means answering Status, not just accepting connections.
        const auto deadline = std::chrono::steady_clock::now() + kStartupTimeout;
        auto maintenance = pb::Maintenance::NewStub(channel_);
        while (std::chrono::steady_clock::now() < deadline) {
            grpc::ClientContext ctx;
            ctx.set_deadline(std::chrono::system_clock::now() + 1s);
            pb::StatusResponse status;
            if (maintenance->Status(&ctx, pb::StatusRequest(), &status).ok()
                && status.leader() != 0) {
                return;
            }
            std::this_thread::sleep_for(50ms);
        }
        GTEST_FAIL() << "etcd did not become ready; log:\n" << server_->Log();
    }

    static void TearDownTestSuite() {
        channel_.reset();
        delete server_;
        server_ = nullptr;
    }

    static std::unique_ptr<grpc::ClientContext> Context() {
        auto ctx = std::make_unique<grpc::ClientContext>();
        ctx->set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
        return ctx;
    }

    // Each test works under its own key prefix so tests stay independent.
    std::string Key(const std::string& suffix) const {
        return std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "/"
               + suffix;
    }

    pb::PutResponse Put(const std::string& key, const std::string& value, int64_t lease = 0) {
        pb::PutRequest req;
        req.set_key(key);
        req.set_value(value);
        req.set_lease(lease);
        req.set_prev_kv(true);
        pb::PutResponse resp;
        const grpc::Status s = kv_->Put(Context().get(), req, &resp);
        EXPECT_TRUE(s.ok()) << s.error_message();
        return resp;
    }

    static inline EtcdServer* server_ = nullptr;
    static inline std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<pb::KV::Stub> kv_ = pb::KV::NewStub(channel_);
};

TEST_F(EtcdConformance, PutThenRangeReportsRevisionsAndVersion) {
    const pb::PutResponse first = Put(Key("a"), "1");
    EXPECT_FALSE(first.has_prev_kv());
    const int64_t created = first.header().revision();
    EXPECT_GT(created, 0);
    const pb::PutResponse second = Put(Key("a"), "2");
    ASSERT_TRUE(second.has_prev_kv());
    EXPECT_EQ(second.prev_kv().value(), "1");
    EXPECT_EQ(second.header().revision(), created + 1);

    pb::RangeRequest req;
    req.set_key(Key("a"));
    pb::RangeResponse resp;
    ASSERT_TRUE(kv_->Range(Context().get(), req, &resp).ok());
    ASSERT_EQ(resp.kvs_size(), 1);
    EXPECT_EQ(resp.kvs(0).value(), "2");
    EXPECT_EQ(resp.kvs(0).create_revision(), created);
    EXPECT_EQ(resp.kvs(0).mod_revision(), created + 1);
    EXPECT_EQ(resp.kvs(0).version(), 2);
    EXPECT_EQ(resp.count(), 1);
    EXPECT_EQ(resp.header().revision(), created + 1);

    // A read at the first revision sees the first value.
    req.set_revision(created);
    ASSERT_TRUE(kv_->Range(Context().get(), req, &resp).ok());
    ASSERT_EQ(resp.kvs_size(), 1);
    EXPECT_EQ(resp.kvs(0).value(), "1");
}

TEST_F(EtcdConformance, PrefixRangeWithLimitSortAndCount) {
    for (const char* k : {"c", "a", "b"}) {
        Put(Key(k), k);
    }
    pb::RangeRequest req;
    req.set_key(Key(""));
    std::string end = Key("");
    end.back() = static_cast<char>(end.back() + 1);  // the prefix form: "...\x2f" -> "...\x30"
    req.set_range_end(end);
    req.set_limit(2);
    req.set_sort_order(pb::RangeRequest::DESCEND);
    req.set_sort_target(pb::RangeRequest::KEY);
    pb::RangeResponse resp;
    ASSERT_TRUE(kv_->Range(Context().get(), req, &resp).ok());
    ASSERT_EQ(resp.kvs_size(), 2);
    EXPECT_EQ(resp.kvs(0).key(), Key("c"));
    EXPECT_EQ(resp.kvs(1).key(), Key("b"));
    EXPECT_TRUE(resp.more());
    EXPECT_EQ(resp.count(), 3);

    req.set_count_only(true);
    ASSERT_TRUE(kv_->Range(Context().get(), req, &resp).ok());
    EXPECT_EQ(resp.kvs_size(), 0);
    EXPECT_EQ(resp.count(), 3);
}

TEST_F(EtcdConformance, TxnCompareAndSwapTakesTheRightBranch) {
    Put(Key("k"), "old");
    pb::TxnRequest txn;
    pb::Compare* cmp = txn.add_compare();
    cmp->set_key(Key("k"));
    cmp->set_target(pb::Compare::VALUE);
    cmp->set_result(pb::Compare::EQUAL);
    cmp->set_value("old");
    pb::PutRequest* put = txn.add_success()->mutable_request_put();
    put->set_key(Key("k"));
    put->set_value("new");
    txn.add_failure()->mutable_request_range()->set_key(Key("k"));

    pb::TxnResponse resp;
    ASSERT_TRUE(kv_->Txn(Context().get(), txn, &resp).ok());
    EXPECT_TRUE(resp.succeeded());
    ASSERT_EQ(resp.responses_size(), 1);
    EXPECT_TRUE(resp.responses(0).has_response_put());

    // The same compare now fails, and the failure branch's range runs.
    ASSERT_TRUE(kv_->Txn(Context().get(), txn, &resp).ok());
    EXPECT_FALSE(resp.succeeded());
    ASSERT_EQ(resp.responses_size(), 1);
    ASSERT_TRUE(resp.responses(0).has_response_range());
    EXPECT_EQ(resp.responses(0).response_range().kvs(0).value(), "new");
}

TEST_F(EtcdConformance, TxnCompareOverARangeUsesField64) {
    Put(Key("r/1"), "x");
    Put(Key("r/2"), "x");
    pb::TxnRequest txn;
    pb::Compare* cmp = txn.add_compare();
    cmp->set_key(Key("r/"));
    cmp->set_range_end(Key("r0"));
    cmp->set_target(pb::Compare::VERSION);
    cmp->set_result(pb::Compare::EQUAL);
    cmp->set_version(1);
    pb::TxnResponse resp;
    ASSERT_TRUE(kv_->Txn(Context().get(), txn, &resp).ok());
    EXPECT_TRUE(resp.succeeded());
    Put(Key("r/2"), "y");
    ASSERT_TRUE(kv_->Txn(Context().get(), txn, &resp).ok());
    EXPECT_FALSE(resp.succeeded()) << "one key in the range now has version 2";
}

TEST_F(EtcdConformance, TxnRejectsDuplicateKeyWrites) {
    pb::TxnRequest txn;
    for (int i = 0; i < 2; ++i) {
        pb::PutRequest* put = txn.add_success()->mutable_request_put();
        put->set_key(Key("dup"));
        put->set_value("v");
    }
    pb::TxnResponse resp;
    const grpc::Status s = kv_->Txn(Context().get(), txn, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(s.error_message(), "etcdserver: duplicate key given in txn request");
}

TEST_F(EtcdConformance, DeleteRangeReturnsPrevKvs) {
    Put(Key("d1"), "v1");
    Put(Key("d2"), "v2");
    pb::DeleteRangeRequest req;
    req.set_key(Key("d"));
    req.set_range_end(Key("e"));
    req.set_prev_kv(true);
    pb::DeleteRangeResponse resp;
    ASSERT_TRUE(kv_->DeleteRange(Context().get(), req, &resp).ok());
    EXPECT_EQ(resp.deleted(), 2);
    ASSERT_EQ(resp.prev_kvs_size(), 2);
    EXPECT_EQ(resp.prev_kvs(0).value(), "v1");
}

TEST_F(EtcdConformance, CompactedRevisionIsOutOfRange) {
    const int64_t old_rev = Put(Key("c"), "1").header().revision();
    const int64_t new_rev = Put(Key("c"), "2").header().revision();
    pb::CompactionRequest compact;
    compact.set_revision(new_rev);
    compact.set_physical(true);
    pb::CompactionResponse compacted;
    ASSERT_TRUE(kv_->Compact(Context().get(), compact, &compacted).ok());

    pb::RangeRequest req;
    req.set_key(Key("c"));
    req.set_revision(old_rev);
    pb::RangeResponse resp;
    const grpc::Status s = kv_->Range(Context().get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(s.error_message(), "etcdserver: mvcc: required revision has been compacted");

    req.set_revision(new_rev + 1000);
    const grpc::Status future = kv_->Range(Context().get(), req, &resp);
    EXPECT_EQ(future.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(future.error_message(), "etcdserver: mvcc: required revision is a future revision");
}

TEST_F(EtcdConformance, LeaseGrantAttachTimeToLiveRevoke) {
    auto lease = pb::Lease::NewStub(channel_);
    pb::LeaseGrantRequest grant;
    grant.set_ttl(60);
    pb::LeaseGrantResponse granted;
    ASSERT_TRUE(lease->LeaseGrant(Context().get(), grant, &granted).ok());
    EXPECT_NE(granted.id(), 0);
    EXPECT_EQ(granted.ttl(), 60);

    Put(Key("leased"), "v", granted.id());
    pb::LeaseTimeToLiveRequest ttl_req;
    ttl_req.set_id(granted.id());
    ttl_req.set_keys(true);
    pb::LeaseTimeToLiveResponse ttl;
    ASSERT_TRUE(lease->LeaseTimeToLive(Context().get(), ttl_req, &ttl).ok());
    EXPECT_EQ(ttl.grantedttl(), 60);
    EXPECT_GT(ttl.ttl(), 0);
    ASSERT_EQ(ttl.keys_size(), 1);
    EXPECT_EQ(ttl.keys(0), Key("leased"));

    pb::LeaseRevokeRequest revoke;
    revoke.set_id(granted.id());
    pb::LeaseRevokeResponse revoked;
    ASSERT_TRUE(lease->LeaseRevoke(Context().get(), revoke, &revoked).ok());
    pb::RangeRequest get;
    get.set_key(Key("leased"));
    pb::RangeResponse after;
    ASSERT_TRUE(kv_->Range(Context().get(), get, &after).ok());
    EXPECT_EQ(after.kvs_size(), 0) << "revoking a lease deletes its keys";

    pb::PutRequest put;
    put.set_key(Key("x"));
    put.set_lease(granted.id());
    pb::PutResponse put_resp;
    const grpc::Status s = kv_->Put(Context().get(), put, &put_resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");
}

TEST_F(EtcdConformance, WatchDeliversPutWithPrevKv) {
    Put(Key("w"), "before");
    auto watch = pb::Watch::NewStub(channel_);
    auto ctx = Context();
    auto stream = watch->Watch(ctx.get());
    pb::WatchRequest create;
    create.mutable_create_request()->set_key(Key("w"));
    create.mutable_create_request()->set_prev_kv(true);
    ASSERT_TRUE(stream->Write(create));
    pb::WatchResponse resp;
    ASSERT_TRUE(stream->Read(&resp));
    EXPECT_TRUE(resp.created());
    const int64_t rev = Put(Key("w"), "after").header().revision();
    ASSERT_TRUE(stream->Read(&resp));
    ASSERT_EQ(resp.events_size(), 1);
    EXPECT_EQ(resp.events(0).type(), mvccpb::Event::PUT);
    EXPECT_EQ(resp.events(0).kv().value(), "after");
    EXPECT_EQ(resp.events(0).kv().mod_revision(), rev);
    EXPECT_EQ(resp.events(0).prev_kv().value(), "before");
    ctx->TryCancel();
}

TEST_F(EtcdConformance, StatusAndMemberListDescribeTheMember) {
    auto maintenance = pb::Maintenance::NewStub(channel_);
    pb::StatusResponse status;
    ASSERT_TRUE(maintenance->Status(Context().get(), pb::StatusRequest(), &status).ok());
    EXPECT_EQ(status.version(), "3.4.23");
    EXPECT_EQ(status.leader(), status.header().member_id());
    EXPECT_GT(status.dbsize(), 0);
    EXPECT_GT(status.raftindex(), 0u);
    EXPECT_GT(status.raftterm(), 0u);

    auto cluster = pb::Cluster::NewStub(channel_);
    pb::MemberListResponse members;
    ASSERT_TRUE(cluster->MemberList(Context().get(), pb::MemberListRequest(), &members).ok());
    ASSERT_EQ(members.members_size(), 1);
    EXPECT_EQ(members.members(0).name(), "conformance");
    EXPECT_EQ(members.members(0).id(), status.header().member_id());
    EXPECT_EQ(members.members(0).peerurls_size(), 1);
    EXPECT_FALSE(members.members(0).islearner());
}

TEST_F(EtcdConformance, LockReturnsAKeyWhoseRevisionIsAFencingToken) {
    auto lease = pb::Lease::NewStub(channel_);
    pb::LeaseGrantRequest grant;
    grant.set_ttl(30);
    pb::LeaseGrantResponse granted;
    ASSERT_TRUE(lease->LeaseGrant(Context().get(), grant, &granted).ok());

    auto lock = v3lockpb::Lock::NewStub(channel_);
    v3lockpb::LockRequest req;
    req.set_name(Key("mutex"));
    req.set_lease(granted.id());
    v3lockpb::LockResponse locked;
    ASSERT_TRUE(lock->Lock(Context().get(), req, &locked).ok());
    EXPECT_EQ(locked.key().rfind(Key("mutex") + "/", 0), 0u) << locked.key();

    pb::RangeRequest get;
    get.set_key(locked.key());
    pb::RangeResponse owner;
    ASSERT_TRUE(kv_->Range(Context().get(), get, &owner).ok());
    ASSERT_EQ(owner.kvs_size(), 1);
    EXPECT_EQ(owner.kvs(0).lease(), granted.id());
    EXPECT_GT(owner.kvs(0).create_revision(), 0);

    v3lockpb::UnlockRequest unlock;
    unlock.set_key(locked.key());
    v3lockpb::UnlockResponse unlocked;
    ASSERT_TRUE(lock->Unlock(Context().get(), unlock, &unlocked).ok());
}

TEST_F(EtcdConformance, ElectionCampaignLeaderResign) {
    auto lease = pb::Lease::NewStub(channel_);
    pb::LeaseGrantRequest grant;
    grant.set_ttl(30);
    pb::LeaseGrantResponse granted;
    ASSERT_TRUE(lease->LeaseGrant(Context().get(), grant, &granted).ok());

    auto election = v3electionpb::Election::NewStub(channel_);
    v3electionpb::CampaignRequest campaign;
    campaign.set_name(Key("e"));
    campaign.set_lease(granted.id());
    campaign.set_value("me");
    v3electionpb::CampaignResponse won;
    ASSERT_TRUE(election->Campaign(Context().get(), campaign, &won).ok());
    EXPECT_EQ(won.leader().name(), Key("e"));
    EXPECT_EQ(won.leader().lease(), granted.id());

    v3electionpb::LeaderRequest who;
    who.set_name(Key("e"));
    v3electionpb::LeaderResponse leader;
    ASSERT_TRUE(election->Leader(Context().get(), who, &leader).ok());
    EXPECT_EQ(leader.kv().value(), "me");

    v3electionpb::ResignRequest resign;
    *resign.mutable_leader() = won.leader();
    v3electionpb::ResignResponse resigned;
    ASSERT_TRUE(election->Resign(Context().get(), resign, &resigned).ok());
}

}  // namespace
}  // namespace keel::testing
