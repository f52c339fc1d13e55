#include "server/cluster_service.h"

#include "server/grpc_status.h"
#include "server/kv_service.h"

namespace keel::server {

void ToProto(const keel::v1::MemberRecord& record, etcdserverpb::Member* member) {
    member->set_id(record.id());
    member->set_name(record.name());
    *member->mutable_peerurls() = record.peer_urls();
    *member->mutable_clienturls() = record.client_urls();
    member->set_islearner(record.is_learner());
}

absl::StatusOr<keel::v1::ProposeMembershipResponse> ClusterService::Change(
    const grpc::ServerContext& context,
    const keel::v1::MembershipChange& change,
    etcdserverpb::ResponseHeader* header,
    google::protobuf::RepeatedPtrField<etcdserverpb::Member>* members) {
    absl::StatusOr<keel::v1::ProposeMembershipResponse> proposed =
        proposer_.Propose(change, RequestDeadline(context));
    if (!proposed.ok()) {
        return proposed.status();
    }
    FillHeader(node_, header);
    header->set_revision(static_cast<int64_t>(node_.revision().value()));
    for (const keel::v1::MemberRecord& record : proposed->membership().members()) {
        ToProto(record, members->Add());
    }
    return proposed;
}

grpc::Status ClusterService::MemberAdd(grpc::ServerContext* context,
                                       const etcdserverpb::MemberAddRequest* request,
                                       etcdserverpb::MemberAddResponse* response) {
    keel::v1::MembershipChange change;
    *change.mutable_add()->mutable_peer_urls() = request->peerurls();
    change.mutable_add()->set_is_learner(request->islearner());
    absl::StatusOr<keel::v1::ProposeMembershipResponse> proposed =
        Change(*context, change, response->mutable_header(), response->mutable_members());
    if (!proposed.ok()) {
        return ToGrpcStatus(proposed.status());
    }
    ToProto(proposed->member(), response->mutable_member());
    return grpc::Status::OK;
}

grpc::Status ClusterService::MemberRemove(grpc::ServerContext* context,
                                          const etcdserverpb::MemberRemoveRequest* request,
                                          etcdserverpb::MemberRemoveResponse* response) {
    keel::v1::MembershipChange change;
    change.set_remove(request->id());
    return ToGrpcStatus(
        Change(*context, change, response->mutable_header(), response->mutable_members()).status());
}

grpc::Status ClusterService::MemberUpdate(grpc::ServerContext* context,
                                          const etcdserverpb::MemberUpdateRequest* request,
                                          etcdserverpb::MemberUpdateResponse* response) {
    keel::v1::MembershipChange change;
    change.mutable_update()->set_id(request->id());
    *change.mutable_update()->mutable_peer_urls() = request->peerurls();
    return ToGrpcStatus(
        Change(*context, change, response->mutable_header(), response->mutable_members()).status());
}

grpc::Status ClusterService::MemberPromote(grpc::ServerContext* context,
                                           const etcdserverpb::MemberPromoteRequest* request,
                                           etcdserverpb::MemberPromoteResponse* response) {
    keel::v1::MembershipChange change;
    change.set_promote(request->id());
    return ToGrpcStatus(
        Change(*context, change, response->mutable_header(), response->mutable_members()).status());
}

grpc::Status ClusterService::MemberList(grpc::ServerContext* /*context*/,
                                        const etcdserverpb::MemberListRequest* /*request*/,
                                        etcdserverpb::MemberListResponse* response) {
    FillHeader(node_, response->mutable_header());
    response->mutable_header()->set_revision(static_cast<int64_t>(node_.revision().value()));
    for (const keel::v1::MemberRecord& record : node_.membership()->members()) {
        ToProto(record, response->add_members());
    }
    return grpc::Status::OK;
}

}  // namespace keel::server
