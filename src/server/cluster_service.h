// ClusterService: etcd's Cluster service, read-only for now: MemberList from the static
// configuration (`etcdctl member list`). Membership changes answer UNIMPLEMENTED (TODO(#4)).
//
// Client URLs: a member knows only its own (no member publishes them to the group yet), so the
// list shows client URLs for the answering member alone.
// Threading: gRPC threads; immutable after construction.
#pragma once

#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/raft_node.h"

namespace keel::server {

class ClusterService final : public etcdserverpb::Cluster::Service {
public:
    ClusterService(RaftNode& node, std::vector<std::string> self_client_urls)
        : node_(node), self_client_urls_(std::move(self_client_urls)) {}

    grpc::Status MemberList(grpc::ServerContext* context,
                            const etcdserverpb::MemberListRequest* request,
                            etcdserverpb::MemberListResponse* response) override;

private:
    RaftNode& node_;
    const std::vector<std::string> self_client_urls_;
};

}  // namespace keel::server
