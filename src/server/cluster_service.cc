#include "server/cluster_service.h"

#include "server/kv_service.h"

namespace keel::server {

grpc::Status ClusterService::MemberList(grpc::ServerContext* /*context*/,
                                        const etcdserverpb::MemberListRequest* /*request*/,
                                        etcdserverpb::MemberListResponse* response) {
    FillHeader(node_, response->mutable_header());
    response->mutable_header()->set_revision(static_cast<int64_t>(node_.revision().value()));
    for (const Member& member : node_.cluster().members) {
        etcdserverpb::Member* out = response->add_members();
        out->set_id(member.id.value());
        out->set_name(member.name);
        out->add_peerurls(member.peer_url);
        if (member.id == node_.id()) {
            for (const std::string& url : self_client_urls_) {
                out->add_clienturls(url);
            }
        }
        out->set_islearner(false);
    }
    return grpc::Status::OK;
}

}  // namespace keel::server
