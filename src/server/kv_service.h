// KvService: etcd's KV gRPC service (Range, Put, DeleteRange, Txn, Compact) on a RaftNode.
//
// Writes are validated (kv_translation.h), wrapped in a keel.v1.Command and proposed; the
// handler waits for the entry to apply and answers with the state machine's response. On a
// follower a write is forwarded to the leader (leader_forwarder.h). Reads are linearizable by
// default (ReadIndex, then a local read); `serializable` reads the local store at once and
// may be stale.
//
// A write that fails with UNAVAILABLE may or may not have been applied: a timeout or a leader
// change can follow the entry's replication (etcd gives clients the same contract).
//
// Threading: Range runs on gRPC's sync-server threads. The writes use gRPC's callback API: the
// handler validates and proposes (ProposeAsync) and returns; the loop thread finishes the
// call when the entry applies, and a follower forwards with the async stub, so no thread waits
// for a write. The service holds no mutable state of its own.
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/leader_forwarder.h"
#include "server/raft_node.h"

namespace keel::server {

// Fills the header fields that belong to the server (not the revision, which the response
// translation sets).
void FillHeader(const RaftNode& node, etcdserverpb::ResponseHeader* header);

// Copies the client session metadata (docs/sessions.md: keel-session-id, keel-seq, keel-ack,
// keel-session-lock) into `command`; without keel-session-id the request is a plain etcd
// request. Errors: InvalidArgument for malformed metadata.
absl::Status SetSessionFields(const grpc::ServerContextBase& context, keel::v1::Command* command);

// The deadline for waiting on the cluster: the client's, capped by kRequestTimeoutDefault.
Deadline RequestDeadline(const grpc::ServerContextBase& context);

// Range is a sync method; Put, DeleteRange, Txn and Compact are callback methods.
using KvServiceBase = etcdserverpb::KV::WithCallbackMethod_Put<
    etcdserverpb::KV::WithCallbackMethod_DeleteRange<etcdserverpb::KV::WithCallbackMethod_Txn<
        etcdserverpb::KV::WithCallbackMethod_Compact<etcdserverpb::KV::Service>>>>;

class KvService final : public KvServiceBase {
public:
    KvService(RaftNode& node, LeaderForwarder& forwarder) : node_(node), forwarder_(forwarder) {}

    grpc::Status Range(grpc::ServerContext* context,
                       const etcdserverpb::RangeRequest* request,
                       etcdserverpb::RangeResponse* response) override;
    grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* context,
                                  const etcdserverpb::PutRequest* request,
                                  etcdserverpb::PutResponse* response) override;
    grpc::ServerUnaryReactor* DeleteRange(grpc::CallbackServerContext* context,
                                          const etcdserverpb::DeleteRangeRequest* request,
                                          etcdserverpb::DeleteRangeResponse* response) override;
    grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext* context,
                                  const etcdserverpb::TxnRequest* request,
                                  etcdserverpb::TxnResponse* response) override;
    grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* context,
                                      const etcdserverpb::CompactionRequest* request,
                                      etcdserverpb::CompactionResponse* response) override;

private:
    template <typename Request, typename Response>
    grpc::ServerUnaryReactor* Write(grpc::CallbackServerContext* context,
                                    const Request& request,
                                    Response* response);

    // Forwards to the leader when this member is not the leader and the call was not already
    // forwarded, finishing `reactor` with the leader's answer; false when the caller should
    // propose locally.
    template <typename Request, typename Response>
    bool MaybeForward(grpc::CallbackServerContext* context,
                      const Request& request,
                      Response* response,
                      Deadline deadline,
                      grpc::ServerUnaryReactor* reactor);

    RaftNode& node_;
    LeaderForwarder& forwarder_;
};

}  // namespace keel::server
