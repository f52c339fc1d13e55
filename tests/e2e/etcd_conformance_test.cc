// The parts of the etcd v3 API that keeld does not serve yet (maintenance, cluster; issue #4),
// as etcd itself serves them, through keel's own .proto
// files.
//
// They run against a real etcd (Debian's etcd-server), which proves that keel's hand-written
// .proto files match etcd's field numbers and semantics, and they pin the behaviour keeld must
// reproduce. As keeld gains each service, its cases move to a suite that runs on both servers,
// as the KV cases already have (keeld_conformance_test.cc).
#include <chrono>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "e2e/etcd_process.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;
namespace pb = etcdserverpb;

constexpr auto kStartupTimeout = 20s;
constexpr auto kRpcTimeout = 5s;

class EtcdConformance : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (!EtcdProcess::Installed()) {
            GTEST_FAIL() << "etcd is not installed: run scripts/setup.sh";
        }
        server_ = new EtcdProcess();
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

    static inline EtcdProcess* server_ = nullptr;
    static inline std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<pb::KV::Stub> kv_ = pb::KV::NewStub(channel_);
};

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

}  // namespace
}  // namespace keel::testing
