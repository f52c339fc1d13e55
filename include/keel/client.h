// keel::client::Client: a C++ client for keel (and, without sessions, any etcd v3 cluster).
//
//   auto client = keel::client::Client::Connect({.endpoints = {"127.0.0.1:2379"}});
//   if (!client.ok()) return client.status();
//   auto put = (*client)->Put("greeting", "hello");  // exactly once, retried if needed
//   auto got = (*client)->Get("greeting");
//   std::cout << got->kvs[0].value << "\n";
//
// The client finds the leader (Maintenance.Status on its endpoints), fails over between
// endpoints, bounds every call by a deadline and retries with exponential backoff and jitter
// where a retry is safe. Writes follow ClientOptions::write_semantics; under kExactlyOnce the
// client opens a session on its first write and tags each write with keel-session-id /
// keel-seq / keel-ack (docs/client.md, docs/sessions.md).
//
// Threading: every call is synchronous and runs on the caller's thread; a Client is safe to use
// from many threads at once. A session keep-alive thread runs while a session is open; each
// Watcher and LeaseKeepAlive has its own thread (see their headers).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "keel/client_options.h"
#include "keel/errors.h"
#include "keel/kv_types.h"
#include "keel/lease_keep_alive.h"
#include "keel/txn.h"
#include "keel/watcher.h"

namespace keel::client {

class Client {
public:
    // Validates the options and prepares one channel per endpoint; connects lazily.
    // Errors: InvalidArgument for no endpoints or non-positive timeouts.
    static absl::StatusOr<std::unique_ptr<Client>> Connect(ClientOptions options);

    // Does not close the session: call CloseSession first to free the server's cached answers
    // at once; otherwise the session expires after its TTL (as after a crash).
    virtual ~Client() = default;

    // --- KV. Reads are linearizable unless GetOptions::serializable. ---
    virtual absl::StatusOr<GetResult> Get(const std::string& key,
                                          const GetOptions& options = {}) = 0;
    virtual absl::StatusOr<PutResult> Put(const std::string& key,
                                          const std::string& value,
                                          const PutOptions& options = {}) = 0;
    virtual absl::StatusOr<DeleteResult> Delete(const std::string& key,
                                                const DeleteOptions& options = {}) = 0;
    virtual absl::StatusOr<TxnResult> Commit(const Txn& txn) = 0;

    // Watches `key` (or a range, per options) and calls `callback` on the watcher's thread.
    virtual std::unique_ptr<Watcher> Watch(const std::string& key,
                                           const WatchOptions& options,
                                           WatchCallback callback) = 0;

    // --- Leases (never sessioned: see ClientOptions::write_semantics). ---
    virtual absl::StatusOr<LeaseGrantResult> LeaseGrant(int64_t ttl_s, int64_t id = 0) = 0;
    virtual absl::Status LeaseRevoke(int64_t id) = 0;
    virtual absl::StatusOr<LeaseTimeToLiveResult> LeaseTimeToLive(int64_t id, bool keys) = 0;
    // One refresh; returns the new TTL. NotFound when the lease is gone.
    virtual absl::StatusOr<int64_t> LeaseKeepAliveOnce(int64_t id) = 0;
    // Refreshes the lease in the background until the returned object goes away.
    virtual std::unique_ptr<LeaseKeepAlive> KeepAlive(int64_t id) = 0;

    // --- Locks (etcd's v3lock service). ---
    // Waits (up to the call timeout) until `name` is held with `lease`. The lock ends with the
    // lease, at Unlock, or (exactly-once writes) when the client's session ends. Lease 0 is
    // allowed in exactly-once mode: the session alone holds the lock.
    virtual absl::StatusOr<LockResult> Lock(const std::string& name, int64_t lease) = 0;
    virtual absl::Status Unlock(const std::string& key) = 0;

    // --- Cluster. ---
    virtual absl::StatusOr<std::vector<Member>> MemberList() = 0;
    // The status of every endpoint (an unreachable one has `errors` set).
    virtual std::vector<EndpointStatus> EndpointStatuses() = 0;

    // --- Sessions (keel only). ---
    // Opens a new session for this client's exactly-once writes and makes it current: the
    // remedy after IsSessionExpired. Writes of the old session that never got an answer are
    // not re-sent. Returns the session id.
    virtual absl::StatusOr<uint64_t> OpenSession() = 0;
    // Closes the current session (the server drops its cached answers). The next exactly-once
    // write opens a new one.
    virtual absl::Status CloseSession() = 0;
    // The current session's id, 0 when none is open.
    virtual uint64_t session_id() const = 0;

    // Session administration by id (keelctl session ...), independent of this client's own.
    virtual absl::StatusOr<uint64_t> RegisterSession(std::chrono::milliseconds ttl) = 0;
    virtual absl::Status SessionKeepAlive(uint64_t id) = 0;
    virtual absl::Status SessionClose(uint64_t id) = 0;

    virtual ClientStats stats() const = 0;
};

}  // namespace keel::client
