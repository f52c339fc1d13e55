#include "server/membership.h"

#include <algorithm>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>

#include "base/assert.h"
#include "server/membership_errors.h"

namespace keel::server {
namespace {

using keel::v1::MemberRecord;
using keel::v1::MembershipChange;
using keel::v1::MembershipRecord;

// The first member other than `except` that has any of `urls` as a peer URL, or nullptr.
const MemberRecord* MemberWithPeerUrl(const MembershipRecord& record,
                                      const google::protobuf::RepeatedPtrField<std::string>& urls,
                                      NodeId except) {
    for (const MemberRecord& member : record.members()) {
        if (NodeId(member.id()) == except) {
            continue;
        }
        for (const std::string& url : urls) {
            if (std::find(member.peer_urls().begin(), member.peer_urls().end(), url)
                != member.peer_urls().end()) {
                return &member;
            }
        }
    }
    return nullptr;
}

absl::Status ValidatePeerUrls(const google::protobuf::RepeatedPtrField<std::string>& urls) {
    if (urls.empty()) {
        return MemberBadUrlsError();
    }
    for (const std::string& url : urls) {
        if (url.rfind("http://", 0) != 0 || !AddressFromUrl(url).ok()) {
            return MemberBadUrlsError();
        }
    }
    return absl::OkStatus();
}

// An existing, not removed member, or MemberNotFoundError().
absl::StatusOr<const MemberRecord*> ExistingMember(const MembershipRecord& record, NodeId id) {
    const MemberRecord* member = FindMember(record, id);
    if (member == nullptr) {
        return MemberNotFoundError();
    }
    return member;
}

absl::Status ValidateAdd(const MembershipRecord& record, const MemberRecord& added) {
    const NodeId id(added.id());
    if (id.is_none()) {
        return absl::InvalidArgumentError("etcdserver: member id 0 is reserved");
    }
    if (IsRemoved(record, id)) {
        return MemberNotFoundError();
    }
    if (FindMember(record, id) != nullptr) {
        return MemberExistsError();
    }
    if (absl::Status urls = ValidatePeerUrls(added.peer_urls()); !urls.ok()) {
        return urls;
    }
    if (MemberWithPeerUrl(record, added.peer_urls(), NodeId::None()) != nullptr) {
        return PeerUrlExistsError();
    }
    if (added.is_learner()) {
        const auto learners = std::count_if(record.members().begin(),
                                            record.members().end(),
                                            [](const MemberRecord& m) { return m.is_learner(); });
        if (learners >= kLearnersMax) {
            return TooManyLearnersError();
        }
    }
    if (static_cast<size_t>(record.members_size()) >= kMembersMax) {
        return absl::FailedPreconditionError(
            absl::StrCat("etcdserver: a cluster has at most ", kMembersMax, " members"));
    }
    return absl::OkStatus();
}

void SortMembers(MembershipRecord& record) {
    std::sort(record.mutable_members()->begin(),
              record.mutable_members()->end(),
              [](const MemberRecord& a, const MemberRecord& b) { return a.id() < b.id(); });
}

MemberRecord* MutableMember(MembershipRecord& record, NodeId id) {
    for (MemberRecord& member : *record.mutable_members()) {
        if (NodeId(member.id()) == id) {
            return &member;
        }
    }
    KEEL_ASSERT_MSG(false, "member %x is not in the record", id.value());
    return nullptr;
}

}  // namespace

MembershipRecord BootstrapMembership(const ClusterConfig& cluster) {
    MembershipRecord record;
    record.set_cluster_id(cluster.cluster_id);
    record.set_bootstrap(absl::StrJoin(cluster.members, ",", [](std::string* out, const Member& m) {
        absl::StrAppend(out, m.name, "=", m.peer_url);
    }));
    for (const Member& member : cluster.members) {
        MemberRecord* out = record.add_members();
        out->set_id(member.id.value());
        out->set_name(member.name);
        out->add_peer_urls(member.peer_url);
    }
    SortMembers(record);
    CheckMembershipInvariants(record);
    return record;
}

const MemberRecord* FindMember(const MembershipRecord& record, NodeId id) {
    for (const MemberRecord& member : record.members()) {
        if (NodeId(member.id()) == id) {
            return &member;
        }
    }
    return nullptr;
}

bool IsRemoved(const MembershipRecord& record, NodeId id) {
    return std::binary_search(record.removed_ids().begin(), record.removed_ids().end(), id.value());
}

NodeId ChangeSubject(const MembershipChange& change) {
    switch (change.op_case()) {
        case MembershipChange::kAdd:
            return NodeId(change.add().id());
        case MembershipChange::kRemove:
            return NodeId(change.remove());
        case MembershipChange::kUpdate:
            return NodeId(change.update().id());
        case MembershipChange::kPromote:
            return NodeId(change.promote());
        case MembershipChange::kPublish:
            return NodeId(change.publish().id());
        case MembershipChange::OP_NOT_SET:
            break;
    }
    return NodeId::None();
}

absl::Status ValidateMembershipChange(const MembershipRecord& record,
                                      const MembershipChange& change) {
    switch (change.op_case()) {
        case MembershipChange::kAdd:
            return ValidateAdd(record, change.add());
        case MembershipChange::kRemove:
            return ExistingMember(record, NodeId(change.remove())).status();
        case MembershipChange::kUpdate: {
            const NodeId id(change.update().id());
            if (absl::Status exists = ExistingMember(record, id).status(); !exists.ok()) {
                return exists;
            }
            if (absl::Status urls = ValidatePeerUrls(change.update().peer_urls()); !urls.ok()) {
                return urls;
            }
            if (MemberWithPeerUrl(record, change.update().peer_urls(), id) != nullptr) {
                return PeerUrlExistsError();
            }
            return absl::OkStatus();
        }
        case MembershipChange::kPromote: {
            absl::StatusOr<const MemberRecord*> member =
                ExistingMember(record, NodeId(change.promote()));
            if (!member.ok()) {
                return member.status();
            }
            return (*member)->is_learner() ? absl::OkStatus() : MemberNotLearnerError();
        }
        case MembershipChange::kPublish:
            return ExistingMember(record, NodeId(change.publish().id())).status();
        case MembershipChange::OP_NOT_SET:
            break;
    }
    return absl::InvalidArgumentError("etcdserver: empty membership change");
}

MembershipRecord ApplyMembershipChange(MembershipRecord record, const MembershipChange& change) {
    switch (change.op_case()) {
        case MembershipChange::kAdd: {
            KEEL_ASSERT(FindMember(record, NodeId(change.add().id())) == nullptr);
            MemberRecord* added = record.add_members();
            added->set_id(change.add().id());
            *added->mutable_peer_urls() = change.add().peer_urls();
            added->set_is_learner(change.add().is_learner());
            SortMembers(record);
            break;
        }
        case MembershipChange::kRemove: {
            const uint64_t id = change.remove();
            auto* members = record.mutable_members();
            members->erase(std::remove_if(members->begin(),
                                          members->end(),
                                          [&](const MemberRecord& m) { return m.id() == id; }),
                           members->end());
            auto* removed = record.mutable_removed_ids();
            removed->Add(id);
            std::sort(removed->begin(), removed->end());
            break;
        }
        case MembershipChange::kUpdate:
            *MutableMember(record, NodeId(change.update().id()))->mutable_peer_urls() =
                change.update().peer_urls();
            break;
        case MembershipChange::kPromote:
            MutableMember(record, NodeId(change.promote()))->set_is_learner(false);
            break;
        case MembershipChange::kPublish: {
            MemberRecord* member = MutableMember(record, NodeId(change.publish().id()));
            member->set_name(change.publish().name());
            *member->mutable_client_urls() = change.publish().client_urls();
            break;
        }
        case MembershipChange::OP_NOT_SET:
            KEEL_ASSERT_MSG(false, "applying an empty membership change");
    }
    CheckMembershipInvariants(record);
    return record;
}

std::optional<raft::ConfChange> ToConfChange(const MembershipChange& change) {
    raft::ConfChangeSingle single;
    switch (change.op_case()) {
        case MembershipChange::kAdd:
            single = {.type = change.add().is_learner() ? raft::ConfChangeType::kAddLearner
                                                        : raft::ConfChangeType::kAddVoter,
                      .node = NodeId(change.add().id())};
            break;
        case MembershipChange::kRemove:
            single = {.type = raft::ConfChangeType::kRemoveNode, .node = NodeId(change.remove())};
            break;
        case MembershipChange::kPromote:
            single = {.type = raft::ConfChangeType::kAddVoter, .node = NodeId(change.promote())};
            break;
        default:
            return std::nullopt;
    }
    return raft::ConfChange{.transition = raft::ConfChangeTransition::kAuto,
                            .changes = {single},
                            .context = change.SerializeAsString()};
}

absl::StatusOr<MembershipChange> MembershipChangeOf(const raft::ConfChange& change) {
    MembershipChange decoded;
    if (change.context.empty() || !decoded.ParseFromString(change.context)) {
        return absl::InvalidArgumentError("conf change context is not a membership change");
    }
    const std::optional<raft::ConfChange> expected = ToConfChange(decoded);
    if (!expected.has_value() || expected->changes != change.changes) {
        return absl::InvalidArgumentError("conf change context does not match its change");
    }
    return decoded;
}

NodeId NewMemberId(const std::vector<std::string>& peer_urls, uint64_t cluster_id, uint64_t salt) {
    std::vector<std::string> sorted = peer_urls;
    std::sort(sorted.begin(), sorted.end());
    const uint64_t hash =
        StableHash64(absl::StrCat(absl::StrJoin(sorted, ","), "/", cluster_id, "/", salt));
    return NodeId(hash == 0 ? 1 : hash);
}

bool IsLearnerInSync(Index leader_match, Index learner_match) {
    // learner_match >= 0.9 * leader_match, in integers.
    return learner_match.value() * 10 >= leader_match.value() * 9;
}

void CheckMembershipInvariants(const MembershipRecord& record) {
    for (int i = 1; i < record.members_size(); ++i) {
        KEEL_ASSERT(record.members(i - 1).id() < record.members(i).id());
    }
    for (int i = 1; i < record.removed_ids_size(); ++i) {
        KEEL_ASSERT(record.removed_ids(i - 1) < record.removed_ids(i));
    }
    for (const MemberRecord& member : record.members()) {
        KEEL_ASSERT(member.id() != 0);
        KEEL_ASSERT(!IsRemoved(record, NodeId(member.id())));
    }
}

}  // namespace keel::server
