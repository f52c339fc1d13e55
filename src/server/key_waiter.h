// KeyWaiter: the waiting that etcd's concurrency recipes (Lock, Election) do, on this member's
// watch hub and its own KV service.
#pragma once

#include <string>

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "kv/watch_events.h"
#include "server/local_kv_client.h"
#include "server/watch_hub.h"

namespace keel::server {

// Threading: thread-safe (every call has its own watcher); calls block their caller.
class KeyWaiter {
public:
    KeyWaiter(WatchHub& hub, LocalKvClient& kv) : hub_(hub), kv_(kv) {}

    // Waits until no key under [prefix, PrefixEnd(prefix)) with a create revision at or below
    // `max_create_revision` is left (etcd's waitDeletes): the key with the highest such
    // revision is waited for, then the check repeats. Fills `header` from the last read.
    // Errors: CANCELLED when the caller's call ends; the KV service's errors.
    grpc::Status WaitDeletes(const grpc::ServerContext& context,
                             const std::string& prefix,
                             int64_t max_create_revision,
                             etcdserverpb::ResponseHeader* header);

    // Waits for the first events of `spec` (which should have a start revision) and stores
    // them in `events`. OK with no events means the start revision was compacted: read again.
    // Errors: CANCELLED when the caller's call ends.
    grpc::Status WaitEvents(const grpc::ServerContext& context,
                            const WatchSpec& spec,
                            kv::Events* events);

private:
    WatchHub& hub_;
    LocalKvClient& kv_;
};

}  // namespace keel::server
