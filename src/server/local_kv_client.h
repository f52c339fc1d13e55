// LocalKvClient: etcd's KV API of this very member, for the services built on it (Lock and
// Election), as etcd builds them on an embedded client.
//
// Calls go through gRPC's in-process channel to the member's own client KV service, so they
// take the path every client takes: linearizable reads, and writes forwarded to the leader
// from a follower.
// Threading: thread-safe; Connect once, before the server serves.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::server {

class LocalKvClient {
public:
    // gRPC metadata a write carries (a client session's keel-session-id, keel-seq, ...).
    using Metadata = std::vector<std::pair<std::string, std::string>>;

    void Connect(const std::shared_ptr<grpc::Channel>& channel);

    // Each call waits at most kRequestTimeoutDefault. Unavailable before Connect.
    grpc::Status Range(const etcdserverpb::RangeRequest& request,
                       etcdserverpb::RangeResponse* response);
    grpc::Status Txn(const etcdserverpb::TxnRequest& request,
                     etcdserverpb::TxnResponse* response,
                     const Metadata& metadata = {});
    grpc::Status DeleteRange(const etcdserverpb::DeleteRangeRequest& request,
                             etcdserverpb::DeleteRangeResponse* response,
                             const Metadata& metadata = {});

private:
    etcdserverpb::KV::Stub* stub();

    std::mutex mu_;
    std::unique_ptr<etcdserverpb::KV::Stub> stub_;  // guarded by mu_; set once
};

}  // namespace keel::server
