// The membership's peer side, on the peer listener:
//   - MembershipPeerService (keel.v1.MembershipPeer): GetMembership for joining members, and
//     Propose, where followers forward membership changes to the leader;
//   - MembershipProposer: proposes a change on the leader, locally if this member leads,
//     otherwise forwarded once to the leader's MembershipPeer.Propose (the etcd Cluster
//     service and the member publisher use it, so any member accepts etcdctl member ...).
// Threading: gRPC threads and the publisher thread; thread-safe (stubs cached under a mutex).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <absl/status/statusor.h>
#include <grpcpp/grpcpp.h>

#include "keel/v1/membership.grpc.pb.h"
#include "server/raft_node.h"

namespace keel::server {

class MembershipProposer {
public:
    explicit MembershipProposer(RaftNode& node) : node_(node) {}

    // Errors: the leader's (RaftNode::ProposeMembership), NoLeaderError() while there is none
    // after the deadline, Unavailable if the leader cannot be reached.
    absl::StatusOr<keel::v1::ProposeMembershipResponse> Propose(
        const keel::v1::MembershipChange& change, Deadline deadline);

private:
    keel::v1::MembershipPeer::Stub* StubFor(const std::string& address);

    RaftNode& node_;
    std::mutex mu_;
    std::map<std::string, std::unique_ptr<keel::v1::MembershipPeer::Stub>> stubs_;  // by mu_
};

class MembershipPeerService final : public keel::v1::MembershipPeer::Service {
public:
    explicit MembershipPeerService(RaftNode& node) : node_(node) {}

    grpc::Status GetMembership(grpc::ServerContext* context,
                               const keel::v1::GetMembershipRequest* request,
                               keel::v1::MembershipRecord* response) override;
    // Proposes here and never forwards again (at most one hop).
    grpc::Status Propose(grpc::ServerContext* context,
                         const keel::v1::MembershipChange* request,
                         keel::v1::ProposeMembershipResponse* response) override;

private:
    RaftNode& node_;
};

}  // namespace keel::server
