// ElectionService: etcd's v3election Election service (Campaign, Proclaim, Leader, Observe,
// Resign), done on the server as etcd's concurrency package does it.
//
// A candidate's key is "<name>/<lease in hex>", written with its lease and its value; the
// leader is the key under "<name>/" with the lowest create revision. Campaign waits, through
// the watch hub, until every older candidate's key is gone; Proclaim rewrites the leader's
// value if it still holds the key at the same create revision; Resign deletes it. Observe
// streams the leader's key each time leadership or the leader's value changes.
// Threading: gRPC's threads; Campaign and Observe block their handler threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/v3electionpb/v3election.grpc.pb.h"
#include "server/key_waiter.h"
#include "server/local_kv_client.h"

namespace keel::server {

class ElectionService final : public v3electionpb::Election::Service {
public:
    ElectionService(LocalKvClient& kv, KeyWaiter& waiter) : kv_(kv), waiter_(waiter) {}

    grpc::Status Campaign(grpc::ServerContext* context,
                          const v3electionpb::CampaignRequest* request,
                          v3electionpb::CampaignResponse* response) override;
    grpc::Status Proclaim(grpc::ServerContext* context,
                          const v3electionpb::ProclaimRequest* request,
                          v3electionpb::ProclaimResponse* response) override;
    grpc::Status Leader(grpc::ServerContext* context,
                        const v3electionpb::LeaderRequest* request,
                        v3electionpb::LeaderResponse* response) override;
    grpc::Status Observe(grpc::ServerContext* context,
                         const v3electionpb::LeaderRequest* request,
                         grpc::ServerWriter<v3electionpb::LeaderResponse>* writer) override;
    grpc::Status Resign(grpc::ServerContext* context,
                        const v3electionpb::ResignRequest* request,
                        v3electionpb::ResignResponse* response) override;

private:
    // Rewrites the leader key's value if it still exists with create revision leader.rev.
    // Errors: "election: not leader" if it does not.
    grpc::Status ProclaimValue(const v3electionpb::LeaderKey& leader,
                               const std::string& value,
                               etcdserverpb::ResponseHeader* header);
    // The current leader's key of election `name` (none: kvs is empty).
    grpc::Status ReadLeader(const std::string& name, etcdserverpb::RangeResponse* found);

    LocalKvClient& kv_;
    KeyWaiter& waiter_;
};

}  // namespace keel::server
