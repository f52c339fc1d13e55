// Client's lock calls (etcd's v3lock service), writes under the client's semantics. In a
// session (exactly-once) a retransmitted Lock is answered with the first attempt's key and
// create revision, and the lock is released when the session ends; a retransmitted Unlock
// never deletes a later holder's key. Without a session, a Lock re-sent after a lost answer
// finds its own key (the server derives it from the lease).
#include <absl/strings/str_cat.h>

#include "client/client_impl.h"

namespace keel::client {

absl::StatusOr<LockResult> ClientImpl::Lock(const std::string& name, int64_t lease) {
    v3lockpb::LockRequest request;
    request.set_name(name);
    request.set_lease(lease);
    v3lockpb::LockResponse response;
    // Waiting for the lock is the call: an attempt may take the whole call timeout.
    absl::Status status = Write(
        "lock",
        [&](Endpoint& e, grpc::ClientContext& c) {
            response.Clear();
            return e.lock->Lock(&c, request, &response);
        },
        options_.call_timeout);
    if (!status.ok()) {
        return status;
    }
    // The fencing token is the lock key's create revision: read it back.
    absl::StatusOr<GetResult> key = Get(response.key(), {});
    if (!key.ok()) {
        return key.status();
    }
    if (key->kvs.empty()) {
        return absl::FailedPreconditionError(
            absl::StrCat("keel: lock key ", response.key(), " vanished (its lease expired?)"));
    }
    return LockResult{.key = response.key(), .fencing_token = key->kvs[0].create_revision};
}

absl::Status ClientImpl::Unlock(const std::string& key) {
    v3lockpb::UnlockRequest request;
    request.set_key(key);
    v3lockpb::UnlockResponse response;
    return Write("unlock", [&](Endpoint& e, grpc::ClientContext& c) {
        return e.lock->Unlock(&c, request, &response);
    });
}

}  // namespace keel::client
