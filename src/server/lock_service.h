// LockService: etcd's v3lock Lock service (Lock, Unlock), done on the server as etcd does it.
//
// Lock(name, lease) writes the key "<name>/<lease in hex>" with the caller's lease (or reads
// it if the lease holds it already), then waits, through the watch hub, until every key under
// "<name>/" created before it is deleted. The holder's key is the answer; its create revision
// (the response header's revision when it was written) grows with every acquisition, so it is
// a fencing token a protected resource can compare. Unlock deletes the key. A holder whose
// lease expires loses the lock the same way.
//
// In a client session (docs/sessions.md: keel-session-id, keel-seq), the candidate's creating
// txn is the call's one mutating step and carries the session metadata: a retransmitted Lock
// gets that txn's first answer (the same key and create revision, the fencing token) and then
// waits as the first did; the session holds the key and the entry that ends the session deletes
// it (server/session_locks.h). Without a lease, a session's key is "<name>/session-<id>". A
// sessioned Unlock is deduplicated the same way.
// Threading: gRPC's threads; a waiting Lock blocks its handler thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/v3lockpb/v3lock.grpc.pb.h"
#include "server/key_waiter.h"
#include "server/local_kv_client.h"
#include "server/raft_node.h"

namespace keel::server {

class LockService final : public v3lockpb::Lock::Service {
public:
    LockService(LocalKvClient& kv, KeyWaiter& waiter) : kv_(kv), waiter_(waiter) {}

    grpc::Status Lock(grpc::ServerContext* context,
                      const v3lockpb::LockRequest* request,
                      v3lockpb::LockResponse* response) override;
    grpc::Status Unlock(grpc::ServerContext* context,
                        const v3lockpb::UnlockRequest* request,
                        v3lockpb::UnlockResponse* response) override;

private:
    LocalKvClient& kv_;
    KeyWaiter& waiter_;
};

// The key of a lock or election candidate: "<prefix><lease in lower-case hex>", as etcd's
// concurrency package names it.
std::string CandidateKey(const std::string& prefix, int64_t lease);

// Writes `key` with `value` and `lease` unless it exists, in one txn that also reads the
// oldest key under `prefix`. Fills `own` with the key as it now is (create revision included)
// and `first_create_revision` with the oldest key's create revision. The txn carries `metadata`
// (a client session's).
grpc::Status CreateCandidate(LocalKvClient& kv,
                             const std::string& prefix,
                             const std::string& key,
                             const std::string& value,
                             int64_t lease,
                             mvccpb::KeyValue* own,
                             int64_t* first_create_revision,
                             etcdserverpb::ResponseHeader* header,
                             const LocalKvClient::Metadata& metadata = {});

}  // namespace keel::server
