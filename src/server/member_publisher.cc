#include "server/member_publisher.h"

#include <spdlog/spdlog.h>

#include "keel/v1/membership.grpc.pb.h"
#include "server/membership.h"

namespace keel::server {
namespace {

constexpr std::chrono::milliseconds kPublishRetryInterval{300};
constexpr std::chrono::milliseconds kPublishTimeout{3000};
constexpr std::chrono::milliseconds kRemovalCheckInterval{1000};
constexpr std::chrono::milliseconds kRemovalCheckTimeout{500};

}  // namespace

void MemberPublisher::Start() {
    thread_ = std::thread([this] { Run(); });
}

void MemberPublisher::Stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

bool MemberPublisher::Published() const {
    const keel::v1::MemberRecord* self = FindMember(*node_.membership(), node_.id());
    if (self == nullptr) {
        return false;
    }
    return self->name() == name_
           && std::vector<std::string>(self->client_urls().begin(), self->client_urls().end())
                  == client_urls_;
}

bool MemberPublisher::Sleep(std::chrono::milliseconds interval) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, interval, [this] { return stopping_; });
    return !stopping_;
}

bool MemberPublisher::RemovedAccordingToPeer() {
    const std::shared_ptr<const keel::v1::MembershipRecord> record = node_.membership();
    std::vector<NodeId> others;
    for (const keel::v1::MemberRecord& member : record->members()) {
        if (NodeId(member.id()) != node_.id()) {
            others.push_back(NodeId(member.id()));
        }
    }
    if (others.empty()) {
        return false;
    }
    const std::optional<std::string> address =
        node_.PeerAddress(others[next_peer_++ % others.size()]);
    if (!address.has_value()) {
        return false;
    }
    auto stub = keel::v1::MembershipPeer::NewStub(
        grpc::CreateChannel(*address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kRemovalCheckTimeout);
    keel::v1::MembershipRecord theirs;
    if (!stub->GetMembership(&context, keel::v1::GetMembershipRequest(), &theirs).ok()) {
        return false;
    }
    return IsRemoved(theirs, node_.id());
}

void MemberPublisher::Run() {
    keel::v1::MembershipChange change;
    change.mutable_publish()->set_id(node_.id().value());
    change.mutable_publish()->set_name(name_);
    for (const std::string& url : client_urls_) {
        change.mutable_publish()->add_client_urls(url);
    }
    while (Sleep(kPublishRetryInterval) && !node_.removed() && !Published()) {
        if (node_.View().leader.is_none()) {
            continue;
        }
        const absl::Status proposed =
            proposer_.Propose(change, Clock::now() + kPublishTimeout).status();
        if (!proposed.ok()) {
            spdlog::debug("publishing this member failed (will retry): {}", proposed.ToString());
        }
    }
    if (Published()) {
        spdlog::info("published this member's name and client URLs");
    }
    while (Sleep(kRemovalCheckInterval) && !node_.removed()) {
        if (RemovedAccordingToPeer()) {
            node_.MarkRemoved();
        }
    }
}

}  // namespace keel::server
