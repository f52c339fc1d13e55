// ClientImpl: keel/client.h's Client. Owns the endpoint pool, the call runner and the current
// session; the method bodies live in one file per concept (client_kv.cc, client_lease.cc,
// client_lock.cc, client_cluster.cc, client_session.cc).
//
// Threading: calls run on the caller's thread. session_mu_ guards the current session; the
// keeper thread (session_keeper_) refreshes it every third of its TTL.
// Invariant: session_ is null or has a non-zero id.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "client/call_runner.h"
#include "client/endpoint_pool.h"
#include "client/session_sequence.h"
#include "keel/client.h"

namespace keel::client {

class ClientImpl final : public Client {
public:
    explicit ClientImpl(ClientOptions options);
    ~ClientImpl() override;

    absl::StatusOr<GetResult> Get(const std::string& key, const GetOptions& options) override;
    absl::StatusOr<PutResult> Put(const std::string& key,
                                  const std::string& value,
                                  const PutOptions& options) override;
    absl::StatusOr<DeleteResult> Delete(const std::string& key,
                                        const DeleteOptions& options) override;
    absl::StatusOr<TxnResult> Commit(const Txn& txn) override;
    std::unique_ptr<Watcher> Watch(const std::string& key,
                                   const WatchOptions& options,
                                   WatchCallback callback) override;

    absl::StatusOr<LeaseGrantResult> LeaseGrant(int64_t ttl_s, int64_t id) override;
    absl::Status LeaseRevoke(int64_t id) override;
    absl::StatusOr<LeaseTimeToLiveResult> LeaseTimeToLive(int64_t id, bool keys) override;
    absl::StatusOr<int64_t> LeaseKeepAliveOnce(int64_t id) override;
    std::unique_ptr<LeaseKeepAlive> KeepAlive(int64_t id) override;

    absl::StatusOr<LockResult> Lock(const std::string& name, int64_t lease) override;
    absl::Status Unlock(const std::string& key) override;

    absl::StatusOr<std::vector<Member>> MemberList() override;
    std::vector<EndpointStatus> EndpointStatuses() override;

    absl::StatusOr<uint64_t> OpenSession() override;
    absl::Status CloseSession() override;
    uint64_t session_id() const override;
    absl::StatusOr<uint64_t> RegisterSession(std::chrono::milliseconds ttl) override;
    absl::Status SessionKeepAlive(uint64_t id) override;
    absl::Status SessionClose(uint64_t id) override;

    ClientStats stats() const override { return runner_.stats(); }

private:
    // Runs one write under the client's semantics: within the current session (opened on
    // first use) for kExactlyOnce, plainly otherwise. `attempt` fills the caller's response.
    // `attempt_timeout` overrides the client's (a Lock waits for the whole call).
    absl::Status Write(const char* name,
                       const Attempt& attempt,
                       std::optional<std::chrono::milliseconds> attempt_timeout = std::nullopt);
    // The session for the next exactly-once write. Errors: the session expired (never
    // replaced silently), or registering one failed.
    absl::StatusOr<std::shared_ptr<SessionSequence>> CurrentSession();
    // A write outside sessions (at-least-once or maybe semantics): retried unless kMaybe.
    CallSpec PlainWriteSpec(const char* name) const;
    void KeepSessionAlive();

    const ClientOptions options_;
    EndpointPool pool_;
    CallRunner runner_;

    mutable std::mutex session_mu_;
    std::condition_variable session_cv_;
    std::shared_ptr<SessionSequence> session_;  // guarded by session_mu_
    bool stopping_ = false;                     // guarded by session_mu_
    std::thread session_keeper_;
};

}  // namespace keel::client
