// Lessor: the leader's clocks for etcd's leases. The leases themselves (id, granted TTL,
// checkpointed remaining TTL, attached keys) live in the replicated store (kv/lease_store.h);
// the lessor holds only what depends on time: when each lease expires, and when its remaining
// TTL is next checkpointed.
//
// Only the leader's lessor is primary. Expiry is decided there, on a monotonic clock, and takes
// effect by proposing a LeaseRevoke entry (apply never reads a clock, DESIGN.md). A follower's
// lessor is empty. On Promote the new leader restarts every lease from its checkpointed remaining
// TTL (or its granted TTL when none was checkpointed) plus an extension of one election timeout,
// as etcd's lessor does, so a leader change never expires a lease early; the old leader's
// periodic checkpoints keep long leases from restarting at their full TTL.
//
// The lessor is pure: every function takes the time as an argument (a fake clock in tests);
// the RaftNode loop drives it (raft_node_lease.cc).
//
// Threading: thread-safe (one mutex). The loop thread calls Promote/Demote, the On* apply hooks
// and the Take* functions; RPC threads call Renew and Remaining.
// Invariant: a lease is tracked only while primary.
// Invariant: every tracked lease has granted_ttl >= 1 second.
// Invariant: a tracked lease with a checkpoint schedule has a TTL above the checkpoint interval.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include <absl/status/statusor.h>

#include "base/ids.h"
#include "kv/request.h"
#include "kv/response.h"

namespace keel::server {

struct LessorOptions {
    // The shortest TTL a lease gets; a grant asking for less gets this (etcd: 1.5 election
    // timeouts, rounded up to whole seconds).
    int64_t min_ttl_seconds = 2;
    // What a new leader adds to every lease's remaining TTL (etcd: one election timeout), so
    // that clients have time to find the new leader and renew.
    std::chrono::milliseconds promote_extension{1000};
    // How often the remaining TTL of a lease longer than this is checkpointed into the log
    // (etcd's lease checkpoint interval, 5 minutes).
    std::chrono::milliseconds checkpoint_interval{std::chrono::minutes(5)};
    // An expired lease whose revoke has not applied after this long is proposed again.
    std::chrono::milliseconds revoke_retry_interval{3000};
};

// Derives the lessor's options from the Raft timing, as etcd does.
LessorOptions LessorOptionsFor(std::chrono::milliseconds tick_interval, int election_timeout_ticks);

class Lessor {
public:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;

    struct Renewed {
        // The lease's granted TTL, in seconds (what etcd's keepalive response carries).
        int64_t ttl_seconds = 0;
        // The store holds a remaining-TTL checkpoint for this lease that the renewal made stale:
        // the caller should propose a checkpoint of 0 (none) before answering, as etcd does, so
        // that a new leader does not restart the lease from the stale value.
        bool clear_checkpoint = false;
    };

    explicit Lessor(LessorOptions options);

    const LessorOptions& options() const { return options_; }

    bool is_primary() const;

    // This member became leader: track every lease in `leases` (the store's, in id order),
    // each expiring at now + (checkpointed remaining TTL or granted TTL) + promote_extension.
    void Promote(const std::vector<kv::LeaseStatus>& leases, TimePoint now);
    // This member is no longer leader: forget every lease. Idempotent.
    void Demote();

    // ---- Apply hooks (the loop thread, in log order). No-ops unless primary. ----
    void OnGranted(LeaseId id, int64_t ttl_seconds, TimePoint now);
    void OnRevoked(LeaseId id);
    void OnCheckpointed(const kv::LeaseCheckpoint& checkpoint);

    // A keepalive: the lease now expires at now + its TTL. Errors: NotLeaderError() if not
    // primary; LeaseNotFoundError() if the lease is unknown or already expired (its revoke is
    // under way).
    absl::StatusOr<Renewed> Renew(LeaseId id, TimePoint now);

    // The time left before `id` expires (zero once expired), or nullopt if not primary or the
    // lease is unknown.
    std::optional<Clock::duration> Remaining(LeaseId id, TimePoint now) const;

    // ---- The leader's periodic work (the loop thread). ----
    // Up to `count_max` expired leases whose revoke should be proposed now, in id order; each is
    // not returned again for revoke_retry_interval.
    std::vector<LeaseId> TakeExpired(TimePoint now, size_t count_max);
    // Up to `count_max` checkpoints due now (remaining TTLs in whole seconds, rounded up), in id
    // order; each lease's next checkpoint is one interval later.
    std::vector<kv::LeaseCheckpoint> TakeCheckpointsDue(TimePoint now, size_t count_max);

    size_t size() const;
    void CheckInvariants() const;

private:
    struct Lease {
        int64_t granted_ttl_seconds = 0;
        TimePoint expiry;
        // The store holds a nonzero remaining-TTL checkpoint for this lease.
        bool checkpointed = false;
        std::optional<TimePoint> next_checkpoint;
        std::optional<TimePoint> revoke_proposed;
    };

    void Schedule(Lease& lease, TimePoint now) const;

    const LessorOptions options_;
    mutable std::mutex mu_;
    bool primary_ = false;             // guarded by mu_
    std::map<LeaseId, Lease> leases_;  // guarded by mu_
};

}  // namespace keel::server
