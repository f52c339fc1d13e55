#include "raft/conf_change.h"

#include <gtest/gtest.h>

#include "base/rng.h"
#include "raft/conf_change_codec.h"

namespace keel::raft {
namespace {

std::vector<NodeId> Ids(std::initializer_list<uint64_t> ids) {
    std::vector<NodeId> out;
    for (uint64_t id : ids) {
        out.push_back(NodeId(id));
    }
    return out;
}

ConfChangeSingle Voter(uint64_t id) {
    return {.type = ConfChangeType::kAddVoter, .node = NodeId(id)};
}

ConfChangeSingle Learner(uint64_t id) {
    return {.type = ConfChangeType::kAddLearner, .node = NodeId(id)};
}

ConfChangeSingle Remove(uint64_t id) {
    return {.type = ConfChangeType::kRemoveNode, .node = NodeId(id)};
}

const ConfState kThree{.voters = Ids({1, 2, 3})};

TEST(ConfChange, SingleServerChangesApplyAtOnce) {
    auto added = ApplyConfChangeToConf(kThree, {.changes = {Voter(4)}});
    ASSERT_TRUE(added.ok()) << added.status();
    EXPECT_EQ(added->voters, Ids({1, 2, 3, 4}));
    EXPECT_FALSE(IsJoint(*added));

    auto learner = ApplyConfChangeToConf(kThree, {.changes = {Learner(5)}});
    ASSERT_TRUE(learner.ok());
    EXPECT_EQ(learner->learners, Ids({5}));

    auto promoted = ApplyConfChangeToConf(*learner, {.changes = {Voter(5)}});
    ASSERT_TRUE(promoted.ok());
    EXPECT_EQ(promoted->voters, Ids({1, 2, 3, 5}));
    EXPECT_TRUE(promoted->learners.empty());
}

TEST(ConfChange, SeveralChangesEnterJointAndLeave) {
    auto joint = ApplyConfChangeToConf(kThree, {.changes = {Voter(4), Remove(2), Learner(3)}});
    ASSERT_TRUE(joint.ok()) << joint.status();
    EXPECT_EQ(joint->voters, Ids({1, 4}));
    EXPECT_EQ(joint->voters_outgoing, Ids({1, 2, 3}));
    EXPECT_EQ(joint->learners_next, Ids({3}));  // still votes in C_old
    EXPECT_TRUE(joint->learners.empty());
    EXPECT_TRUE(joint->auto_leave);
    ASSERT_TRUE(ValidateConfState(*joint).ok());

    auto left = ApplyConfChangeToConf(*joint, ConfChange{});
    ASSERT_TRUE(left.ok());
    EXPECT_EQ(left->voters, Ids({1, 4}));
    EXPECT_TRUE(left->voters_outgoing.empty());
    EXPECT_EQ(left->learners, Ids({3}));
    EXPECT_FALSE(left->auto_leave);
}

TEST(ConfChange, ExplicitTransitionDoesNotAutoLeave) {
    auto joint = ApplyConfChangeToConf(
        kThree, {.transition = ConfChangeTransition::kJointExplicit, .changes = {Voter(4)}});
    ASSERT_TRUE(joint.ok());
    EXPECT_TRUE(IsJoint(*joint));
    EXPECT_FALSE(joint->auto_leave);
}

TEST(ConfChange, InvalidChangesAreRejected) {
    EXPECT_FALSE(ApplyConfChangeToConf(kThree, ConfChange{}).ok());  // not joint
    EXPECT_FALSE(ApplyConfChangeToConf(kThree, {.changes = {Voter(2)}}).ok());
    EXPECT_FALSE(ApplyConfChangeToConf(kThree, {.changes = {Remove(9)}}).ok());
    EXPECT_FALSE(ApplyConfChangeToConf(kThree, {.changes = {Voter(0)}}).ok());
    EXPECT_FALSE(ApplyConfChangeToConf(kThree, {.changes = {Voter(4), Remove(4)}}).ok());
    EXPECT_FALSE(
        ApplyConfChangeToConf(kThree, {.changes = {Remove(1), Remove(2), Remove(3)}}).ok());
    EXPECT_FALSE(
        ApplyConfChangeToConf(ConfState{.voters = Ids({1})}, {.changes = {Remove(1)}}).ok());
    auto joint = ApplyConfChangeToConf(kThree, {.changes = {Voter(4), Voter(5)}});
    ASSERT_TRUE(joint.ok());
    EXPECT_FALSE(ApplyConfChangeToConf(*joint, {.changes = {Voter(6)}}).ok());
}

TEST(ConfChange, ValidateConfStateFindsBrokenRules) {
    EXPECT_TRUE(ValidateConfState(kThree).ok());
    EXPECT_FALSE(ValidateConfState(ConfState{}).ok());
    EXPECT_FALSE(ValidateConfState({.voters = Ids({2, 1})}).ok());
    EXPECT_FALSE(ValidateConfState({.voters = Ids({1, 2}), .learners = Ids({2})}).ok());
    EXPECT_FALSE(ValidateConfState({.voters = Ids({1}), .learners_next = Ids({2})}).ok());
    EXPECT_FALSE(ValidateConfState({.voters = Ids({1}), .auto_leave = true}).ok());
}

TEST(ConfChangeCodec, RoundTrip) {
    const ConfChange changes[] = {
        ConfChange{},
        {.changes = {Voter(1)}},
        {.transition = ConfChangeTransition::kJointExplicit,
         .changes = {Voter(4), Learner(2), Remove(3)},
         .context = std::string("peer-urls\0x", 11)},
    };
    for (const ConfChange& change : changes) {
        const std::string bytes = EncodeConfChange(change);
        absl::StatusOr<ConfChange> decoded = DecodeConfChange(bytes);
        ASSERT_TRUE(decoded.ok()) << decoded.status();
        EXPECT_EQ(*decoded, change);
        EXPECT_EQ(EncodeConfChange(*decoded), bytes);
    }
}

TEST(ConfChangeCodec, RejectsEveryTruncationAndTrailingBytes) {
    const std::string bytes =
        EncodeConfChange({.changes = {Voter(4), Remove(2)}, .context = "ctx"});
    for (size_t len = 0; len < bytes.size(); ++len) {
        EXPECT_FALSE(DecodeConfChange(bytes.substr(0, len)).ok()) << "length " << len;
    }
    EXPECT_FALSE(DecodeConfChange(bytes + "x").ok());
}

TEST(ConfChangeCodec, RejectsBadVersionEnumsAndCounts) {
    const std::string good = EncodeConfChange({.changes = {Voter(4)}});
    std::string bad_version = good;
    bad_version[0] = 9;
    EXPECT_FALSE(DecodeConfChange(bad_version).ok());
    std::string bad_transition = good;
    bad_transition[1] = 7;
    EXPECT_FALSE(DecodeConfChange(bad_transition).ok());
    std::string bad_type = good;
    bad_type[6] = 3;
    EXPECT_FALSE(DecodeConfChange(bad_type).ok());
    std::string huge_count = good;
    huge_count[5] = 0x7f;
    EXPECT_FALSE(DecodeConfChange(huge_count).ok());
}

TEST(ConfChangeCodec, RandomBytesNeverCrash) {
    base::Rng rng(7);
    for (int i = 0; i < 5000; ++i) {
        std::string bytes = EncodeConfChange({.changes = {Voter(rng.Uniform(9) + 1)}});
        bytes[rng.Uniform(bytes.size())] = static_cast<char>(rng.Uniform(256));
        absl::StatusOr<ConfChange> decoded = DecodeConfChange(bytes);
        if (decoded.ok()) {
            EXPECT_EQ(EncodeConfChange(*decoded), bytes);  // canonical
        }
    }
}

}  // namespace
}  // namespace keel::raft
