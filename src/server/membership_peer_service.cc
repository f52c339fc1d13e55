#include "server/membership_peer_service.h"

#include "server/errors.h"
#include "server/grpc_status.h"
#include "server/kv_service.h"

namespace keel::server {

absl::StatusOr<keel::v1::ProposeMembershipResponse> MembershipProposer::Propose(
    const keel::v1::MembershipChange& change, Deadline deadline) {
    absl::StatusOr<keel::v1::ProposeMembershipResponse> local =
        node_.ProposeMembership(change, deadline);
    if (local.ok() || !IsNotLeader(local.status())) {
        return local;
    }
    const NodeId leader = node_.View().leader;
    const std::optional<std::string> address = node_.PeerAddress(leader);
    if (leader.is_none() || leader == node_.id() || !address.has_value()) {
        return local.status();
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + (deadline - Clock::now()));
    keel::v1::ProposeMembershipResponse response;
    const grpc::Status status = StubFor(*address)->Propose(&context, change, &response);
    if (!status.ok()) {
        return FromGrpcStatus(status);
    }
    return response;
}

keel::v1::MembershipPeer::Stub* MembershipProposer::StubFor(const std::string& address) {
    std::lock_guard lock(mu_);
    std::unique_ptr<keel::v1::MembershipPeer::Stub>& stub = stubs_[address];
    if (stub == nullptr) {
        stub = keel::v1::MembershipPeer::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    }
    return stub.get();
}

grpc::Status MembershipPeerService::GetMembership(grpc::ServerContext* /*context*/,
                                                  const keel::v1::GetMembershipRequest* /*request*/,
                                                  keel::v1::MembershipRecord* response) {
    *response = *node_.membership();
    return grpc::Status::OK;
}

grpc::Status MembershipPeerService::Propose(grpc::ServerContext* context,
                                            const keel::v1::MembershipChange* request,
                                            keel::v1::ProposeMembershipResponse* response) {
    absl::StatusOr<keel::v1::ProposeMembershipResponse> proposed =
        node_.ProposeMembership(*request, RequestDeadline(*context));
    if (!proposed.ok()) {
        return ToGrpcStatus(proposed.status());
    }
    *response = *std::move(proposed);
    return grpc::Status::OK;
}

}  // namespace keel::server
