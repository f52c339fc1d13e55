// ClusterService: etcd's Cluster service. MemberAdd (voter or learner), MemberRemove,
// MemberUpdate (peer URLs) and MemberPromote become membership changes (membership.h) that
// go through Raft on the leader (forwarded there from any member, MembershipProposer);
// MemberList answers from the membership this member has applied, with every member's name
// and client URLs as the members published them when they started (member_publisher.h).
// Errors are etcd's (membership_errors.h).
// Threading: gRPC threads; no state of its own.
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/membership_peer_service.h"
#include "server/raft_node.h"

namespace keel::server {

class ClusterService final : public etcdserverpb::Cluster::Service {
public:
    ClusterService(RaftNode& node, MembershipProposer& proposer)
        : node_(node), proposer_(proposer) {}

    grpc::Status MemberAdd(grpc::ServerContext* context,
                           const etcdserverpb::MemberAddRequest* request,
                           etcdserverpb::MemberAddResponse* response) override;
    grpc::Status MemberRemove(grpc::ServerContext* context,
                              const etcdserverpb::MemberRemoveRequest* request,
                              etcdserverpb::MemberRemoveResponse* response) override;
    grpc::Status MemberUpdate(grpc::ServerContext* context,
                              const etcdserverpb::MemberUpdateRequest* request,
                              etcdserverpb::MemberUpdateResponse* response) override;
    grpc::Status MemberList(grpc::ServerContext* context,
                            const etcdserverpb::MemberListRequest* request,
                            etcdserverpb::MemberListResponse* response) override;
    grpc::Status MemberPromote(grpc::ServerContext* context,
                               const etcdserverpb::MemberPromoteRequest* request,
                               etcdserverpb::MemberPromoteResponse* response) override;

private:
    // Proposes `change`; on success fills `header` and `members` from the new membership.
    absl::StatusOr<keel::v1::ProposeMembershipResponse> Change(
        const grpc::ServerContext& context,
        const keel::v1::MembershipChange& change,
        etcdserverpb::ResponseHeader* header,
        google::protobuf::RepeatedPtrField<etcdserverpb::Member>* members);

    RaftNode& node_;
    MembershipProposer& proposer_;
};

// keel's record of a member -> etcd's Member.
void ToProto(const keel::v1::MemberRecord& record, etcdserverpb::Member* member);

}  // namespace keel::server
