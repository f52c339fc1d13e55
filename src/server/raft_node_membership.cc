// RaftNode's membership: proposing changes (as Raft conf changes or normal entries), applying
// them to the replicated record in the store, keeping the transport's peers current, and
// leadership transfer. See membership.h for the record and docs/server.md, "Membership".
#include <random>
#include <thread>

#include <absl/strings/str_cat.h>
#include <spdlog/spdlog.h>

#include "base/assert.h"
#include "raft/conf_change_codec.h"
#include "server/errors.h"
#include "server/limits.h"
#include "server/member_join.h"
#include "server/membership.h"
#include "server/membership_errors.h"
#include "server/raft_node.h"

namespace keel::server {
namespace {

// How often a caller waiting for a leadership transfer looks at the node's view.
constexpr std::chrono::milliseconds kTransferPollInterval{10};

uint64_t RandomSalt() {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
}

absl::Status ConfChangeRefused(const raft::ProposeResult& result) {
    switch (result.error) {
        case raft::ProposeError::kNotLeader:
            return result.leader_hint.is_none() ? NoLeaderError() : NotLeaderError();
        case raft::ProposeError::kConfChangePending:
            return absl::UnavailableError(
                "etcdserver: another membership change is in progress; retry");
        case raft::ProposeError::kInvalidConfChange:
            return absl::FailedPreconditionError("etcdserver: invalid membership change");
        case raft::ProposeError::kTransferInProgress:
            return LeaderChangedError();
        case raft::ProposeError::kTooManyUncommitted:
            return TooManyRequestsError();
        default:
            return absl::InternalError(
                absl::StrCat("proposal refused: ", raft::ProposeErrorName(result.error)));
    }
}

}  // namespace

absl::StatusOr<keel::v1::ProposeMembershipResponse> RaftNode::ProposeMembership(
    keel::v1::MembershipChange change, Deadline deadline) {
    if (removed()) {
        return MemberRemovedError();
    }
    const std::shared_ptr<const keel::v1::MembershipRecord> before = membership();
    ProposalPromise promise;
    std::future<absl::StatusOr<CommandResponse>> answer = promise.get_future();
    {
        std::lock_guard lock(inbox_mu_);
        if (stopping_) {
            return StoppedError();
        }
        if (inbox_.proposals.size() >= kProposalsQueuedMax) {
            return TooManyRequestsError();
        }
        inbox_.proposals.push_back(QueuedProposal{.data = {},
                                                  .membership = std::move(change),
                                                  .promise = std::move(promise),
                                                  .deadline = deadline});
    }
    inbox_cv_.notify_one();
    if (answer.wait_until(deadline) != std::future_status::ready) {
        return RequestTimeoutError();
    }
    absl::StatusOr<CommandResponse> applied = answer.get();
    if (!applied.ok()) {
        return applied.status();
    }
    const NodeId subject = std::get<MembershipResponse>(*applied).member;
    keel::v1::ProposeMembershipResponse response;
    *response.mutable_membership() = *membership();
    const keel::v1::MemberRecord* member = FindMember(response.membership(), subject);
    if (member == nullptr) {
        member = FindMember(*before, subject);  // a removed member: as it was
    }
    if (member != nullptr) {
        *response.mutable_member() = *member;
    } else {
        response.mutable_member()->set_id(subject.value());
    }
    return response;
}

std::shared_ptr<const keel::v1::MembershipRecord> RaftNode::membership() const {
    std::lock_guard lock(view_mu_);
    return membership_view_;
}

std::optional<std::string> RaftNode::PeerAddress(NodeId id) const {
    const std::shared_ptr<const keel::v1::MembershipRecord> record = membership();
    if (const keel::v1::MemberRecord* member = FindMember(*record, id); member != nullptr) {
        return DialAddress(*member);
    }
    for (const auto& [known, address] : options_.known_peers) {
        if (known == id) {
            return address;
        }
    }
    return std::nullopt;
}

absl::Status RaftNode::TransferLeadership(NodeId target, Deadline deadline) {
    const keel::v1::MemberRecord* member = FindMember(*membership(), target);
    if (member == nullptr || member->is_learner()) {
        return BadLeaderTransfereeError();
    }
    if (View().leader != options_.self) {
        return NotLeaderError();
    }
    if (target == options_.self) {
        return absl::OkStatus();
    }
    {
        std::lock_guard lock(inbox_mu_);
        if (stopping_) {
            return StoppedError();
        }
        inbox_.transfers.push_back(target);
    }
    inbox_cv_.notify_one();
    while (Clock::now() < deadline) {
        if (View().leader == target) {
            return absl::OkStatus();
        }
        std::this_thread::sleep_for(kTransferPollInterval);
    }
    return LeaderTransferTimeoutError();
}

void RaftNode::ProposeMembershipQueued(QueuedProposal& proposal) {
    KEEL_ASSERT(proposal.membership.has_value());
    keel::v1::MembershipChange& change = *proposal.membership;
    if (change.has_add() && change.add().id() == 0) {
        const std::vector<std::string> urls(change.add().peer_urls().begin(),
                                            change.add().peer_urls().end());
        change.mutable_add()->set_id(
            NewMemberId(urls, options_.cluster.cluster_id, RandomSalt()).value());
    }
    // Only the leader judges: a follower's record may lag the log.
    const raft::Status status = raw_->GetStatus();
    if (status.soft_state.role != raft::Role::kLeader) {
        proposal.promise.set_value(NotLeaderError());
        return;
    }
    if (absl::Status valid = ValidateMembershipChange(membership_, change); !valid.ok()) {
        proposal.promise.set_value(valid);
        return;
    }
    if (change.has_promote()) {
        Index leader_match;
        Index learner_match;
        for (const raft::ProgressView& progress : status.progress) {
            if (progress.id == options_.self) {
                leader_match = progress.match;
            } else if (progress.id == NodeId(change.promote())) {
                learner_match = progress.match;
            }
        }
        if (!IsLearnerInSync(leader_match, learner_match)) {
            proposal.promise.set_value(LearnerNotReadyError());
            return;
        }
    }
    raft::ProposeResult result;
    if (const std::optional<raft::ConfChange> conf = ToConfChange(change); conf.has_value()) {
        result = raw_->ProposeConfChange(*conf);
    } else {
        keel::v1::Command command;
        command.set_request_id(next_request_id_.fetch_add(1));
        *command.mutable_membership() = change;
        result = raw_->Propose(command.SerializeAsString());
    }
    if (!result.ok()) {
        proposal.promise.set_value(ConfChangeRefused(result));
        return;
    }
    proposals_.Add(result.index, result.term, std::move(proposal.promise), proposal.deadline);
}

absl::StatusOr<CommandResponse> RaftNode::ApplyConfChange(const raft::Entry& entry) {
    absl::StatusOr<raft::ConfChange> change = raft::DecodeConfChange(entry.data);
    KEEL_ASSERT_MSG(change.ok(),
                    "committed conf change %d does not decode: %s",
                    entry.index.value(),
                    change.status().ToString());
    absl::StatusOr<keel::v1::MembershipChange> membership_change = MembershipChangeOf(*change);
    if (!membership_change.ok()) {
        // Not one of ours (e.g. Raft's own leave-joint entry): Raft's configuration follows
        // it; the membership record does not change.
        store_->ApplyNoop(kv::ApplyContext{.index = entry.index});
        conf_ = raw_->ApplyConfChange(*change);
        return absl::InternalError("etcdserver: entry was a configuration change");
    }
    if (absl::Status valid = ValidateMembershipChange(membership_, *membership_change);
        !valid.ok()) {
        // Judged in log order: a change that raced with another one is refused on every
        // member alike, and Raft's configuration does not take it either.
        store_->ApplyNoop(kv::ApplyContext{.index = entry.index});
        return valid;
    }
    conf_ = raw_->ApplyConfChange(*change);
    spdlog::info("applied a membership change at {}: {} voters, {} learners",
                 entry.index.value(),
                 conf_.voters.size(),
                 conf_.learners.size());
    return ApplyMembershipChange(entry.index, *membership_change);
}

absl::StatusOr<CommandResponse> RaftNode::ApplyMembershipCommand(
    Index index, const keel::v1::MembershipChange& change) {
    if (ToConfChange(change).has_value()) {
        // add/remove/promote only ever travel as conf changes; one in a normal entry was not
        // proposed by keeld.
        store_->ApplyNoop(kv::ApplyContext{.index = index});
        return absl::InvalidArgumentError("etcdserver: membership change in a normal entry");
    }
    if (absl::Status valid = ValidateMembershipChange(membership_, change); !valid.ok()) {
        store_->ApplyNoop(kv::ApplyContext{.index = index});
        return valid;
    }
    return ApplyMembershipChange(index, change);
}

absl::StatusOr<CommandResponse> RaftNode::ApplyMembershipChange(
    Index index, const keel::v1::MembershipChange& change) {
    membership_ = server::ApplyMembershipChange(std::move(membership_), change);
    store_->ApplyClusterRecord(kv::ApplyContext{.index = index}, membership_.SerializeAsString());
    {
        std::lock_guard lock(view_mu_);
        membership_view_ = std::make_shared<const keel::v1::MembershipRecord>(membership_);
    }
    UpdatePeers();
    if (IsRemoved(membership_, options_.self)) {
        MarkRemoved();
    }
    return MembershipResponse{.member = ChangeSubject(change)};
}

void RaftNode::ReloadMembership() {
    membership_ = LoadMembership(*store_, options_.cluster);
    {
        std::lock_guard lock(view_mu_);
        membership_view_ = std::make_shared<const keel::v1::MembershipRecord>(membership_);
    }
    UpdatePeers();
    if (IsRemoved(membership_, options_.self)) {
        MarkRemoved();
    }
}

bool RaftNode::CoveredConfChangeTookEffect(const raft::ConfChange& change) const {
    absl::StatusOr<keel::v1::MembershipChange> membership_change = MembershipChangeOf(change);
    if (!membership_change.ok()) {
        return true;  // not one of ours (e.g. Raft's leave-joint): always applied
    }
    const NodeId subject = ChangeSubject(*membership_change);
    if (IsRemoved(membership_, subject)) {
        return true;  // it was a member, so its add (and any promote or remove) took effect
    }
    const keel::v1::MemberRecord* member = FindMember(membership_, subject);
    switch (membership_change->op_case()) {
        case keel::v1::MembershipChange::kAdd:
            return member != nullptr;  // a refused add's fresh id is in no record
        case keel::v1::MembershipChange::kPromote:
            return member != nullptr && !member->is_learner();
        default:
            return false;  // a remove took effect only if the id is removed
    }
}

void RaftNode::MarkRemoved() {
    if (removed_.exchange(true)) {
        return;
    }
    spdlog::warn("this member was removed from the cluster; it stops serving");
    if (options_.on_removed) {
        options_.on_removed();
    }
}

std::optional<std::string> RaftNode::DialAddress(const keel::v1::MemberRecord& member) const {
    if (member.peer_urls().empty()) {
        return std::nullopt;
    }
    const Member* bootstrap = options_.cluster.Find(NodeId(member.id()));
    if (bootstrap != nullptr && bootstrap->peer_url == member.peer_urls(0)) {
        return bootstrap->peer_address;
    }
    absl::StatusOr<std::string> address = AddressFromUrl(member.peer_urls(0));
    if (!address.ok()) {
        return std::nullopt;  // validated when added; an old record may still hold one
    }
    return *address;
}

void RaftNode::UpdatePeers() {
    for (const keel::v1::MemberRecord& member : membership_.members()) {
        const NodeId id(member.id());
        const std::optional<std::string> address = DialAddress(member);
        if (id == options_.self || !address.has_value()) {
            continue;
        }
        auto [it, inserted] = peer_addresses_.try_emplace(id, *address);
        if (inserted || it->second != *address) {
            it->second = *address;
            transport_->AddPeer(id, *address);
        }
    }
    for (const uint64_t removed : membership_.removed_ids()) {
        if (peer_addresses_.erase(NodeId(removed)) > 0) {
            transport_->RemovePeer(NodeId(removed));
        }
    }
}

}  // namespace keel::server
