#include "server/membership.h"

#include <gtest/gtest.h>

#include "raft/conf_change.h"
#include "server/membership_errors.h"

namespace keel::server {
namespace {

using keel::v1::MembershipChange;
using keel::v1::MembershipRecord;

MembershipRecord ThreeMembers() {
    auto cluster = ParseInitialCluster(
        "a=http://127.0.0.1:2380,b=http://127.0.0.1:2480,c=http://127.0.0.1:2580");
    KEEL_ASSERT(cluster.ok());
    return BootstrapMembership(*cluster);
}

MembershipChange Add(uint64_t id, const std::string& url, bool learner) {
    MembershipChange change;
    change.mutable_add()->set_id(id);
    change.mutable_add()->add_peer_urls(url);
    change.mutable_add()->set_is_learner(learner);
    return change;
}

MembershipChange Remove(NodeId id) {
    MembershipChange change;
    change.set_remove(id.value());
    return change;
}

MembershipChange Promote(uint64_t id) {
    MembershipChange change;
    change.set_promote(id);
    return change;
}

MembershipRecord Applied(const MembershipRecord& record, const MembershipChange& change) {
    EXPECT_TRUE(ValidateMembershipChange(record, change).ok())
        << ValidateMembershipChange(record, change);
    return ApplyMembershipChange(record, change);
}

TEST(Membership, BootstrapHasEveryMemberAsVoterSortedById) {
    const MembershipRecord record = ThreeMembers();
    ASSERT_EQ(record.members_size(), 3);
    for (const auto& member : record.members()) {
        EXPECT_FALSE(member.is_learner());
        EXPECT_EQ(member.peer_urls_size(), 1);
        EXPECT_TRUE(member.client_urls().empty());
    }
    EXPECT_LT(record.members(0).id(), record.members(1).id());
    EXPECT_EQ(record.members(0).id(), MemberIdFromName(record.members(0).name()).value());
    // The bootstrap string parses back to the same cluster id.
    auto again = ParseInitialCluster(record.bootstrap());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->cluster_id, record.cluster_id());
}

TEST(Membership, AddLearnerPromoteAndRemove) {
    MembershipRecord record = ThreeMembers();
    record = Applied(record, Add(42, "http://127.0.0.1:2680", /*learner=*/true));
    ASSERT_NE(FindMember(record, NodeId(42)), nullptr);
    EXPECT_TRUE(FindMember(record, NodeId(42))->is_learner());
    EXPECT_TRUE(FindMember(record, NodeId(42))->name().empty());

    MembershipChange publish;
    publish.mutable_publish()->set_id(42);
    publish.mutable_publish()->set_name("d");
    publish.mutable_publish()->add_client_urls("http://127.0.0.1:2679");
    record = Applied(record, publish);
    EXPECT_EQ(FindMember(record, NodeId(42))->name(), "d");
    EXPECT_EQ(FindMember(record, NodeId(42))->client_urls(0), "http://127.0.0.1:2679");

    record = Applied(record, Promote(42));
    EXPECT_FALSE(FindMember(record, NodeId(42))->is_learner());

    const NodeId a = MemberIdFromName("a");
    record = Applied(record, Remove(a));
    EXPECT_EQ(FindMember(record, a), nullptr);
    EXPECT_TRUE(IsRemoved(record, a));
    EXPECT_EQ(record.members_size(), 3);
}

TEST(Membership, EtcdErrorsForBadChanges) {
    MembershipRecord record = ThreeMembers();
    const uint64_t a = MemberIdFromName("a").value();
    EXPECT_EQ(ValidateMembershipChange(record, Remove(NodeId(7))), MemberNotFoundError());
    EXPECT_EQ(ValidateMembershipChange(record, Promote(7)), MemberNotFoundError());
    EXPECT_EQ(ValidateMembershipChange(record, Promote(a)), MemberNotLearnerError());
    EXPECT_EQ(ValidateMembershipChange(record, Add(a, "http://127.0.0.1:9", false)),
              MemberExistsError());
    EXPECT_EQ(ValidateMembershipChange(record, Add(9, "http://127.0.0.1:2480", false)),
              PeerUrlExistsError());
    EXPECT_EQ(ValidateMembershipChange(record, Add(9, "not a url", false)), MemberBadUrlsError());
    EXPECT_EQ(ValidateMembershipChange(record, Add(9, "https://127.0.0.1:9", false)),
              MemberBadUrlsError());

    MembershipChange update;
    update.mutable_update()->set_id(7);
    update.mutable_update()->add_peer_urls("http://127.0.0.1:9");
    EXPECT_EQ(ValidateMembershipChange(record, update), MemberNotFoundError());
    update.mutable_update()->set_id(a);
    update.mutable_update()->set_peer_urls(0, "http://127.0.0.1:2480");  // b's
    EXPECT_EQ(ValidateMembershipChange(record, update), PeerUrlExistsError());
    update.mutable_update()->set_peer_urls(0, "http://127.0.0.1:2380");  // its own: fine
    EXPECT_TRUE(ValidateMembershipChange(record, update).ok());

    record = Applied(record, Add(9, "http://127.0.0.1:9", true));
    EXPECT_EQ(ValidateMembershipChange(record, Add(10, "http://127.0.0.1:10", true)),
              TooManyLearnersError());
    EXPECT_TRUE(ValidateMembershipChange(record, Add(10, "http://127.0.0.1:10", false)).ok());

    // A removed id never comes back, and cannot be removed twice.
    record = Applied(record, Remove(NodeId(9)));
    EXPECT_EQ(ValidateMembershipChange(record, Add(9, "http://127.0.0.1:11", false)),
              MemberNotFoundError());
    EXPECT_EQ(ValidateMembershipChange(record, Remove(NodeId(9))), MemberNotFoundError());
    EXPECT_FALSE(ValidateMembershipChange(record, MembershipChange()).ok());
}

TEST(Membership, ConfChangesCarryTheChangeAndMatchRaft) {
    const MembershipChange add = Add(42, "http://127.0.0.1:2680", true);
    const std::optional<raft::ConfChange> conf = ToConfChange(add);
    ASSERT_TRUE(conf.has_value());
    ASSERT_EQ(conf->changes.size(), 1u);
    EXPECT_EQ(conf->changes[0].type, raft::ConfChangeType::kAddLearner);
    EXPECT_EQ(conf->changes[0].node, NodeId(42));
    auto decoded = MembershipChangeOf(*conf);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->SerializeAsString(), add.SerializeAsString());

    EXPECT_EQ(ToConfChange(Promote(42))->changes[0].type, raft::ConfChangeType::kAddVoter);
    EXPECT_EQ(ToConfChange(Remove(NodeId(42)))->changes[0].type, raft::ConfChangeType::kRemoveNode);
    MembershipChange publish;
    publish.mutable_publish()->set_id(42);
    EXPECT_FALSE(ToConfChange(publish).has_value());

    // A context that disagrees with the Raft change it rides on is not ours.
    raft::ConfChange forged = *conf;
    forged.changes[0].node = NodeId(43);
    EXPECT_FALSE(MembershipChangeOf(forged).ok());
    EXPECT_FALSE(MembershipChangeOf(raft::ConfChange{}).ok());
}

TEST(Membership, NewMemberIdsDifferBySaltAndAreNeverZero) {
    const std::vector<std::string> urls = {"http://127.0.0.1:1"};
    EXPECT_NE(NewMemberId(urls, 1, 1), NewMemberId(urls, 1, 2));
    EXPECT_EQ(NewMemberId(urls, 1, 1), NewMemberId(urls, 1, 1));
    EXPECT_FALSE(NewMemberId(urls, 1, 1).is_none());
}

TEST(Membership, LearnerInSyncAtNinetyPercentOfLeader) {
    EXPECT_TRUE(IsLearnerInSync(Index(100), Index(90)));
    EXPECT_FALSE(IsLearnerInSync(Index(100), Index(89)));
    EXPECT_FALSE(IsLearnerInSync(Index(100), Index(0)));
    EXPECT_TRUE(IsLearnerInSync(Index(0), Index(0)));
}

}  // namespace
}  // namespace keel::server
