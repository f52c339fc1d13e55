// RaftNode in one process: a single-member group (no peers, no network), driven through the
// same thread-safe API the gRPC services use.
#include "server/raft_node.h"

#include <filesystem>
#include <future>
#include <optional>
#include <thread>
#include <utility>

#include <gtest/gtest.h>

#include "server/errors.h"

namespace keel::server {
namespace {

using namespace std::chrono_literals;

class RaftNodeTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keel-node-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        auto cluster = ParseInitialCluster("solo=http://127.0.0.1:1");
        ASSERT_TRUE(cluster.ok());
        cluster_ = *cluster;
    }

    void TearDown() override {
        node_.reset();
        std::filesystem::remove_all(dir_);
    }

    void Open(InitialClusterState state = InitialClusterState::kNew) {
        node_.reset();
        auto node = RaftNode::Open(RaftNodeOptions{.data_dir = dir_,
                                                   .cluster = cluster_,
                                                   .self = cluster_.members[0].id,
                                                   .initial_state = state,
                                                   .tick_interval = 5ms});
        ASSERT_TRUE(node.ok()) << node.status();
        node_ = *std::move(node);
        node_->Start();
    }

    // Reads fail fast without a leader (etcd clients retry them); writes wait for one.
    void WaitForLeadership() {
        const Deadline deadline = Soon();
        while (node_->View().leader != node_->id() && Clock::now() < deadline) {
            std::this_thread::sleep_for(1ms);
        }
        ASSERT_EQ(node_->View().leader, node_->id());
    }

    static Deadline Soon() { return Clock::now() + 5s; }

    absl::StatusOr<CommandResponse> Put(const std::string& key, const std::string& value) {
        keel::v1::Command command;
        command.mutable_put()->set_key(key);
        command.mutable_put()->set_value(value);
        return node_->Propose(std::move(command), Soon());
    }

    std::string Get(const std::string& key) {
        EXPECT_TRUE(node_->WaitReadIndex(Soon()).ok());
        auto range = node_->Range(kv::RangeRequest{.key = key});
        EXPECT_TRUE(range.ok()) << range.status();
        return range.ok() && !range->kvs.empty() ? range->kvs[0].value : "";
    }

    std::string dir_;
    ClusterConfig cluster_;
    std::unique_ptr<RaftNode> node_;
};

TEST_F(RaftNodeTest, ProposeApplyReadAndRecover) {
    Open();
    // Proposed before the election ends: the write waits for the leader.
    const auto put = Put("k", "v1");
    ASSERT_TRUE(put.ok()) << put.status();
    EXPECT_EQ(std::get<kv::PutResponse>(*put).header.revision, Revision(2));
    EXPECT_EQ(Get("k"), "v1");
    ASSERT_TRUE(Put("k", "v2").ok());
    const NodeView view = node_->View();
    EXPECT_EQ(view.leader, node_->id());
    EXPECT_EQ(view.role, raft::Role::kLeader);
    EXPECT_EQ(view.applied, view.commit);

    // Reopened, the member recovers its log and store and keeps serving.
    Open(InitialClusterState::kExisting);
    WaitForLeadership();
    EXPECT_EQ(Get("k"), "v2");
    EXPECT_EQ(node_->revision(), Revision(3));
    ASSERT_TRUE(Put("k", "v3").ok());
    EXPECT_EQ(Get("k"), "v3");
}

TEST_F(RaftNodeTest, StateMachineErrorsReachTheProposer) {
    Open();
    keel::v1::Command compact;
    compact.mutable_compaction()->set_revision(50);
    EXPECT_EQ(node_->Propose(compact, Soon()).status().message(),
              "etcdserver: mvcc: required revision is a future revision");
}

// ProposeAsync answers through its callback: on the loop thread once the entry applies, at
// once on the caller's thread when the node refuses the proposal.
TEST_F(RaftNodeTest, ProposeAsyncAnswersThroughTheCallback) {
    Open();
    std::promise<std::pair<absl::StatusOr<CommandResponse>, std::thread::id>> applied;
    auto answer = applied.get_future();
    keel::v1::Command command;
    command.mutable_put()->set_key("k");
    command.mutable_put()->set_value("v");
    node_->ProposeAsync(
        std::move(command), Soon(), [&applied](absl::StatusOr<CommandResponse> response) {
            applied.set_value({std::move(response), std::this_thread::get_id()});
        });
    ASSERT_EQ(answer.wait_for(10s), std::future_status::ready);
    const auto [response, thread] = answer.get();
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(std::get<kv::PutResponse>(*response).header.revision, Revision(2));
    EXPECT_NE(thread, std::this_thread::get_id()) << "answered by the loop thread";
    EXPECT_EQ(Get("k"), "v");

    node_->Stop();
    std::optional<absl::StatusOr<CommandResponse>> refused;
    node_->ProposeAsync(
        keel::v1::Command(), Soon(), [&refused](auto refusal) { refused = std::move(refusal); });
    ASSERT_TRUE(refused.has_value()) << "a refusal is answered before ProposeAsync returns";
    EXPECT_EQ(refused->status(), StoppedError());
}

TEST_F(RaftNodeTest, StoppedNodeRefusesRequests) {
    Open();
    node_->Stop();
    EXPECT_EQ(Put("k", "v").status(), StoppedError());
    EXPECT_EQ(node_->WaitReadIndex(Soon()), StoppedError());
}

TEST_F(RaftNodeTest, DataDirectoryOfAnotherClusterIsRefused) {
    Open();
    node_.reset();
    auto other = ParseInitialCluster("solo=http://127.0.0.1:2");
    ASSERT_TRUE(other.ok());
    const auto refused = RaftNode::Open(
        RaftNodeOptions{.data_dir = dir_, .cluster = *other, .self = other->members[0].id});
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(RaftNodeTest, ExistingStateNeedsData) {
    const auto refused =
        RaftNode::Open(RaftNodeOptions{.data_dir = dir_ + "/empty",
                                       .cluster = cluster_,
                                       .self = cluster_.members[0].id,
                                       .initial_state = InitialClusterState::kExisting});
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace keel::server
