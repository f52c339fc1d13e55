// Unit tests of the Raft core through RawNode: construction checks, peer-input validation,
// elections, replication, flow control, proposals, membership and reads. Multi-node cases use
// the InteractionEnv; the datadriven scenarios in testdata/ cover longer stories.

#include <gtest/gtest.h>

#include "base/limits.h"
#include "interaction_env.h"
#include "raft/conf_change_codec.h"
#include "raft/raw_node.h"

namespace keel::raft {
namespace {

using testing::InteractionEnv;

std::vector<NodeId> Ids(std::initializer_list<uint64_t> ids) {
    std::vector<NodeId> out;
    for (uint64_t id : ids) {
        out.push_back(NodeId(id));
    }
    return out;
}

Config MakeConfig(uint64_t id) {
    Config config;
    config.id = NodeId(id);
    config.rng_seed = id;
    return config;
}

Restored Bootstrap(std::initializer_list<uint64_t> voters) {
    return Restored{.conf_state = {.voters = Ids(voters)}};
}

std::unique_ptr<RawNode> MustCreate(const Config& config, Restored restored) {
    absl::StatusOr<std::unique_ptr<RawNode>> node = RawNode::Create(config, std::move(restored));
    EXPECT_TRUE(node.ok()) << node.status();
    return node.ok() ? *std::move(node) : nullptr;
}

Entry E(uint64_t term, uint64_t index) {
    return {.term = Term(term), .index = Index(index)};
}

// Brings up `n` nodes with node 1 as the leader, everything stabilized.
InteractionEnv ClusterWithLeader(int n, Config tmpl = Config{}) {
    InteractionEnv env;
    env.set_log_level(InteractionEnv::LogLevel::kNone);
    env.AddNodes(n, tmpl, std::nullopt);
    env.node(NodeId(1)).raw->Campaign();
    env.Stabilize({});
    return env;
}

TEST(RaftCreate, RefusesUnsafeKnobsUnlessAllowed) {
    Config config = MakeConfig(1);
    config.testing.unsafe_commit_previous_term_entries = true;
    EXPECT_EQ(RawNode::Create(config, Bootstrap({1})).status().code(),
              absl::StatusCode::kInvalidArgument);
    config.testing.unsafe_commit_previous_term_entries = false;
    config.testing.unsafe_skip_log_up_to_date_check = true;
    EXPECT_FALSE(RawNode::Create(config, Bootstrap({1})).ok());
    config.testing.allow_unsafe = true;
    EXPECT_TRUE(RawNode::Create(config, Bootstrap({1})).ok());
}

TEST(RaftCreate, RejectsBadConfigAndCorruptState) {
    Config no_id = MakeConfig(1);
    no_id.id = NodeId::None();
    EXPECT_FALSE(RawNode::Create(no_id, Bootstrap({1})).ok());
    Config lease = MakeConfig(1);
    lease.read_only_mode = ReadOnlyMode::kLeaseBased;
    lease.check_quorum = false;
    EXPECT_FALSE(RawNode::Create(lease, Bootstrap({1})).ok());

    Restored gap = Bootstrap({1});
    gap.hard_state.term = Term(1);
    gap.entries = {E(1, 1), E(1, 3)};
    EXPECT_EQ(RawNode::Create(MakeConfig(1), gap).status().code(), absl::StatusCode::kDataLoss);
    Restored commit_beyond = Bootstrap({1});
    commit_beyond.hard_state = {.term = Term(1), .commit = Index(2)};
    commit_beyond.entries = {E(1, 1)};
    EXPECT_EQ(RawNode::Create(MakeConfig(1), commit_beyond).status().code(),
              absl::StatusCode::kDataLoss);
    Restored bad_conf = Bootstrap({2, 1});
    EXPECT_FALSE(RawNode::Create(MakeConfig(1), bad_conf).ok());
}

TEST(RaftCreate, RestartReplaysAppliedConfChangesAndHandsOutTheRest) {
    Restored restored = Bootstrap({1, 2, 3});
    restored.hard_state = {.term = Term(1), .commit = Index(3)};
    Entry add{.term = Term(1), .index = Index(2), .type = EntryType::kConfChange};
    add.data =
        EncodeConfChange({.changes = {{.type = ConfChangeType::kAddVoter, .node = NodeId(4)}}});
    restored.entries = {E(1, 1), add, E(1, 3)};
    restored.applied = Index(2);
    std::unique_ptr<RawNode> node = MustCreate(MakeConfig(1), restored);
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->GetStatus().conf_state.voters, Ids({1, 2, 3, 4}));
    ASSERT_TRUE(node->HasReady());
    Ready ready = node->GetReady();
    ASSERT_EQ(ready.committed_entries.size(), 1u);
    EXPECT_EQ(ready.committed_entries[0].index, Index(3));
    EXPECT_FALSE(ready.hard_state.has_value());
    EXPECT_TRUE(ready.entries.empty());
    node->Advance();
    EXPECT_FALSE(node->HasReady());
}

TEST(RaftCreate, CommitIndexCatchesUpWithApplied) {
    // The commit index is written without an fsync of its own and may lag the application.
    Restored restored = Bootstrap({1, 2, 3});
    restored.hard_state = {.term = Term(1), .commit = Index(1)};
    restored.entries = {E(1, 1), E(1, 2), E(1, 3)};
    restored.applied = Index(3);
    std::unique_ptr<RawNode> node = MustCreate(MakeConfig(1), restored);
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->GetStatus().hard_state.commit, Index(3));
    restored.applied = Index(4);  // applied entries the log does not have: the disk lied
    EXPECT_EQ(RawNode::Create(MakeConfig(1), restored).status().code(),
              absl::StatusCode::kDataLoss);
}

TEST(RaftStep, MalformedMessagesAreInvalidArgument) {
    std::unique_ptr<RawNode> node = MustCreate(MakeConfig(1), Bootstrap({1, 2, 3}));
    const Message good{.type = MessageType::kAppend,
                       .from = NodeId(2),
                       .to = NodeId(1),
                       .term = Term(1),
                       .entries = {E(1, 1)}};
    std::vector<Message> bad(8, good);
    bad[0].entries = {E(1, 1), E(1, 3)};   // not contiguous
    bad[1].entries = {E(1, 0)};            // index 0
    bad[2].to = NodeId(9);                 // not for us
    bad[3].from = NodeId(1);               // from ourselves
    bad[4].term = Term(0);                 // no term
    bad[5].entries = {E(2, 1)};            // entry newer than the message's term
    bad[6].type = MessageType::kSnapshot;  // snapshot without snapshot
    bad[6].entries.clear();
    bad[7].type = static_cast<MessageType>(99);
    for (size_t i = 0; i < bad.size(); ++i) {
        EXPECT_EQ(node->Step(bad[i]).code(), absl::StatusCode::kInvalidArgument) << "case " << i;
    }
    EXPECT_EQ(node->term(), Term(0));  // nothing was applied
    EXPECT_TRUE(node->Step(good).ok());
    EXPECT_EQ(node->term(), Term(1));
    EXPECT_EQ(node->leader(), NodeId(2));
}

TEST(RaftStep, ResponsesFromUnknownNodesAreIgnored) {
    InteractionEnv env = ClusterWithLeader(3);
    RawNode& leader = *env.node(NodeId(1)).raw;
    EXPECT_TRUE(leader
                    .Step({.type = MessageType::kAppendResponse,
                           .from = NodeId(7),
                           .to = NodeId(1),
                           .term = leader.term(),
                           .index = Index(1)})
                    .ok());
    EXPECT_EQ(leader.role(), Role::kLeader);
}

TEST(RaftElection, SingleNodeElectsItselfAndCommitsAfterPersisting) {
    std::unique_ptr<RawNode> node = MustCreate(MakeConfig(1), Bootstrap({1}));
    node->Campaign();
    EXPECT_EQ(node->role(), Role::kLeader);
    Ready ready = node->GetReady();
    ASSERT_EQ(ready.entries.size(), 1u);  // the no-op
    EXPECT_TRUE(ready.must_sync);
    EXPECT_TRUE(ready.committed_entries.empty());  // not durable yet
    node->Advance();
    ready = node->GetReady();
    ASSERT_EQ(ready.committed_entries.size(), 1u);
    EXPECT_EQ(ready.hard_state->commit, Index(1));
    node->Advance();
}

TEST(RaftElection, ElectionTimeoutIsRandomizedPerNode) {
    InteractionEnv env;
    env.set_log_level(InteractionEnv::LogLevel::kNone);
    env.AddNodes(3, Config{}, std::nullopt);
    // Tick everyone in lockstep: exactly one node should time out first and win.
    for (int tick = 0; tick < 40; ++tick) {
        for (NodeId id : env.ids()) {
            env.Tick(id, 1);
        }
        env.Stabilize({});
    }
    int leaders = 0;
    for (NodeId id : env.ids()) {
        leaders += env.node(id).raw->role() == Role::kLeader ? 1 : 0;
    }
    EXPECT_EQ(leaders, 1);
}

TEST(RaftElection, CandidateWithStaleLogLosesVote) {
    std::unique_ptr<RawNode> voter = MustCreate(MakeConfig(2), [] {
        Restored r = Bootstrap({1, 2, 3});
        r.hard_state.term = Term(2);
        r.entries = {E(1, 1), E(2, 2)};
        return r;
    }());
    ASSERT_TRUE(voter
                    ->Step({.type = MessageType::kVote,
                            .from = NodeId(1),
                            .to = NodeId(2),
                            .term = Term(3),
                            .index = Index(5),
                            .log_term = Term(1)})
                    .ok());
    Ready ready = voter->GetReady();
    ASSERT_EQ(ready.messages.size(), 1u);
    EXPECT_TRUE(ready.messages[0].reject);
    EXPECT_EQ(ready.hard_state->term, Term(3));
    EXPECT_EQ(ready.hard_state->voted_for, NodeId::None());
}

TEST(RaftElection, UnsafeKnobGrantsVoteToStaleLog) {
    Config config = MakeConfig(2);
    config.testing = {.allow_unsafe = true, .unsafe_skip_log_up_to_date_check = true};
    Restored restored = Bootstrap({1, 2, 3});
    restored.hard_state.term = Term(2);
    restored.entries = {E(1, 1), E(2, 2)};
    std::unique_ptr<RawNode> voter = MustCreate(config, restored);
    ASSERT_TRUE(voter
                    ->Step({.type = MessageType::kVote,
                            .from = NodeId(1),
                            .to = NodeId(2),
                            .term = Term(3),
                            .index = Index(5),
                            .log_term = Term(1)})
                    .ok());
    Ready ready = voter->GetReady();
    ASSERT_EQ(ready.messages.size(), 1u);
    EXPECT_FALSE(ready.messages[0].reject);  // §5.4.1 violated on purpose
    EXPECT_EQ(ready.hard_state->voted_for, NodeId(1));
}

TEST(RaftElection, StaleCandidateLearnsTheCurrentTerm) {
    Restored restored = Bootstrap({1, 2, 3});
    restored.hard_state.term = Term(5);
    std::unique_ptr<RawNode> voter = MustCreate(MakeConfig(2), restored);
    ASSERT_TRUE(
        voter
            ->Step(
                {.type = MessageType::kVote, .from = NodeId(1), .to = NodeId(2), .term = Term(3)})
            .ok());
    Ready ready = voter->GetReady();
    ASSERT_EQ(ready.messages.size(), 1u);
    EXPECT_TRUE(ready.messages[0].reject);
    EXPECT_EQ(ready.messages[0].term, Term(5));  // Figure 2: reply with currentTerm
    EXPECT_EQ(voter->term(), Term(5));
}

TEST(RaftElection, OneVotePerTerm) {
    std::unique_ptr<RawNode> voter = MustCreate(MakeConfig(3), Bootstrap({1, 2, 3}));
    Message vote{.type = MessageType::kVote, .from = NodeId(1), .to = NodeId(3), .term = Term(1)};
    ASSERT_TRUE(voter->Step(vote).ok());
    vote.from = NodeId(2);
    ASSERT_TRUE(voter->Step(vote).ok());
    vote.from = NodeId(1);  // a retransmission is granted again
    ASSERT_TRUE(voter->Step(vote).ok());
    Ready ready = voter->GetReady();
    ASSERT_EQ(ready.messages.size(), 3u);
    EXPECT_FALSE(ready.messages[0].reject);
    EXPECT_TRUE(ready.messages[1].reject);
    EXPECT_FALSE(ready.messages[2].reject);
}

TEST(RaftElection, NodeOutsideConfigurationNeverCampaigns) {
    std::unique_ptr<RawNode> node = MustCreate(MakeConfig(4), Bootstrap({1, 2, 3}));
    for (int i = 0; i < 100; ++i) {
        node->Tick();
    }
    node->Campaign();
    EXPECT_EQ(node->role(), Role::kFollower);
    EXPECT_FALSE(node->HasReady());
}

TEST(RaftReplication, RejectionCarriesConflictHint) {
    // The follower holds 50 entries of term 2 that a leader of term 3 does not have.
    Restored restored = Bootstrap({1, 2});
    restored.hard_state = {.term = Term(2), .commit = Index(1)};
    restored.entries.push_back(E(1, 1));
    for (uint64_t i = 2; i <= 51; ++i) {
        restored.entries.push_back(E(2, i));
    }
    std::unique_ptr<RawNode> follower = MustCreate(MakeConfig(2), restored);
    ASSERT_TRUE(follower
                    ->Step({.type = MessageType::kAppend,
                            .from = NodeId(1),
                            .to = NodeId(2),
                            .term = Term(3),
                            .index = Index(60),
                            .log_term = Term(3)})
                    .ok());
    Ready ready = follower->GetReady();
    ASSERT_EQ(ready.messages.size(), 1u);
    const Message& reply = ready.messages[0];
    EXPECT_TRUE(reply.reject);
    EXPECT_EQ(reply.index, Index(60));
    // The last entry with a term <= 3: the leader can skip the whole of term 2 in one step.
    EXPECT_EQ(reply.reject_hint, Index(51));
    EXPECT_EQ(reply.log_term, Term(2));
}

TEST(RaftReplication, LaggingFollowerCatchesUp) {
    InteractionEnv env = ClusterWithLeader(3);
    // Node 3 misses 50 entries; then a new leader's probe must find the divergence in a few
    // round trips, not 50.
    env.Isolate(NodeId(3));
    for (int i = 0; i < 50; ++i) {
        env.node(NodeId(1)).raw->Propose("x");
    }
    env.Stabilize({});
    env.Heal();
    size_t rejections = 0;
    for (int round = 0; round < 10; ++round) {
        env.Tick(NodeId(1), 1);
        for (NodeId id : env.ids()) {
            env.ProcessReady(id);
        }
        env.DeliverMsgs({});
    }
    env.Stabilize({});
    for (const Entry& entry : env.node(NodeId(3)).applied_entries) {
        rejections += entry.data == "x" ? 1 : 0;
    }
    EXPECT_EQ(rejections, 50u);
    EXPECT_EQ(env.node(NodeId(3)).applied, env.node(NodeId(1)).applied);
}

TEST(RaftReplication, PipelineIsBoundedByInflightLimit) {
    Config config;
    config.inflight_msgs_max = 2;
    config.append_bytes_max = 1;  // one entry per message
    InteractionEnv env = ClusterWithLeader(2, config);
    RawNode& leader = *env.node(NodeId(1)).raw;
    for (int i = 0; i < 10; ++i) {
        ASSERT_TRUE(leader.Propose("p").ok());
    }
    env.ProcessReady(NodeId(1));
    const Status status = leader.GetStatus();
    ASSERT_EQ(status.progress.size(), 2u);
    EXPECT_EQ(status.progress[1].inflight_msgs, 2u);
    EXPECT_EQ(env.pending_messages(), 2u);
    env.Stabilize({});
    EXPECT_EQ(env.node(NodeId(2)).applied, leader.GetStatus().hard_state.commit);
}

TEST(RaftProposal, FollowerRejectsWithLeaderHint) {
    InteractionEnv env = ClusterWithLeader(3);
    const ProposeResult result = env.node(NodeId(2)).raw->Propose("x");
    EXPECT_EQ(result.error, ProposeError::kNotLeader);
    EXPECT_EQ(result.leader_hint, NodeId(1));
    const ProposeResult conf = env.node(NodeId(2)).raw->ProposeConfChange({});
    EXPECT_EQ(conf.error, ProposeError::kNotLeader);
}

TEST(RaftProposal, FlowControlAndSizeLimits) {
    Config config;
    config.uncommitted_bytes_max = 100;
    InteractionEnv env = ClusterWithLeader(3, config);
    RawNode& leader = *env.node(NodeId(1)).raw;
    EXPECT_EQ(leader.Propose(std::string(base::kEntryBytesMax + 1, 'x')).error,
              ProposeError::kTooLarge);
    EXPECT_TRUE(leader.Propose(std::string(80, 'x')).ok());
    EXPECT_EQ(leader.Propose(std::string(80, 'x')).error, ProposeError::kTooManyUncommitted);
    env.Stabilize({});
    EXPECT_TRUE(leader.Propose(std::string(80, 'x')).ok());
}

TEST(RaftConfChange, OnePendingChangeAtATime) {
    InteractionEnv env = ClusterWithLeader(3);
    RawNode& leader = *env.node(NodeId(1)).raw;
    const ConfChange add4{.changes = {{.type = ConfChangeType::kAddLearner, .node = NodeId(4)}}};
    const ConfChange add5{.changes = {{.type = ConfChangeType::kAddLearner, .node = NodeId(5)}}};
    EXPECT_TRUE(leader.ProposeConfChange(add4).ok());
    EXPECT_EQ(leader.ProposeConfChange(add5).error, ProposeError::kConfChangePending);
    env.Stabilize({});
    EXPECT_TRUE(leader.ProposeConfChange(add5).ok());
    const ConfChange remove_all{
        .changes = {{.type = ConfChangeType::kRemoveNode, .node = NodeId(1)},
                    {.type = ConfChangeType::kRemoveNode, .node = NodeId(2)},
                    {.type = ConfChangeType::kRemoveNode, .node = NodeId(3)}}};
    env.Stabilize({});
    EXPECT_EQ(leader.ProposeConfChange(remove_all).error, ProposeError::kInvalidConfChange);
}

TEST(RaftReadIndex, LeaseBasedReadsNeedNoRound) {
    Config config;
    config.read_only_mode = ReadOnlyMode::kLeaseBased;
    InteractionEnv env = ClusterWithLeader(3, config);
    RawNode& leader = *env.node(NodeId(1)).raw;
    leader.ReadIndex("now");
    Ready ready = leader.GetReady();
    ASSERT_EQ(ready.read_states.size(), 1u);
    EXPECT_EQ(ready.read_states[0].context, "now");
    EXPECT_TRUE(ready.messages.empty());
    leader.Advance();
}

TEST(RaftReadIndex, NewLeaderWaitsForCommitInItsTerm) {
    InteractionEnv env;
    env.set_log_level(InteractionEnv::LogLevel::kNone);
    env.AddNodes(3, Config{}, std::nullopt);
    RawNode& leader = *env.node(NodeId(1)).raw;
    leader.Campaign();
    for (int i = 0; i < 4 && leader.role() != Role::kLeader; ++i) {
        for (NodeId id : env.ids()) {
            env.ProcessReady(id);
        }
        env.DeliverMsgs({});
    }
    ASSERT_EQ(leader.role(), Role::kLeader);
    leader.ReadIndex("early");
    EXPECT_TRUE(env.node(NodeId(1)).read_states.empty());
    env.Stabilize({});
    ASSERT_EQ(env.node(NodeId(1)).read_states.size(), 1u);
    EXPECT_EQ(env.node(NodeId(1)).read_states[0].index, Index(1));  // the no-op's index
}

}  // namespace
}  // namespace keel::raft
