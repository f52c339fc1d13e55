#include "server/lessor.h"

#include <algorithm>

#include "base/assert.h"
#include "kv/errors.h"
#include "server/errors.h"

namespace keel::server {
namespace {

using Seconds = std::chrono::seconds;

int64_t CeilSeconds(std::chrono::steady_clock::duration d) {
    if (d <= std::chrono::steady_clock::duration::zero()) {
        return 0;
    }
    return std::chrono::ceil<Seconds>(d).count();
}

}  // namespace

LessorOptions LessorOptionsFor(std::chrono::milliseconds tick_interval,
                               int election_timeout_ticks) {
    KEEL_ASSERT(election_timeout_ticks > 0);
    const std::chrono::milliseconds election_timeout = tick_interval * election_timeout_ticks;
    // etcd: minTTL = ceil(1.5 * election timeout) in whole seconds.
    const int64_t min_ttl = CeilSeconds(election_timeout * 3 / 2);
    return LessorOptions{.min_ttl_seconds = std::max<int64_t>(min_ttl, 1),
                         .promote_extension = election_timeout};
}

Lessor::Lessor(LessorOptions options) : options_(options) {
    KEEL_ASSERT(options_.min_ttl_seconds >= 1);
    KEEL_ASSERT(options_.checkpoint_interval.count() > 0);
    KEEL_ASSERT(options_.revoke_retry_interval.count() > 0);
}

bool Lessor::is_primary() const {
    std::lock_guard lock(mu_);
    return primary_;
}

void Lessor::Schedule(Lease& lease, TimePoint now) const {
    if (Seconds(lease.granted_ttl_seconds) > options_.checkpoint_interval) {
        lease.next_checkpoint = now + options_.checkpoint_interval;
    } else {
        lease.next_checkpoint.reset();
    }
}

void Lessor::Promote(const std::vector<kv::LeaseStatus>& leases, TimePoint now) {
    std::lock_guard lock(mu_);
    primary_ = true;
    leases_.clear();
    for (const kv::LeaseStatus& status : leases) {
        const int64_t hint = status.remaining_ttl_hint.value_or(0);
        // A zero hint is a cleared checkpoint: the lease was renewed after it.
        const int64_t remaining =
            hint > 0 ? std::min(hint, status.granted_ttl) : status.granted_ttl;
        Lease lease{
            .granted_ttl_seconds = std::max(status.granted_ttl, int64_t{1}),
            .expiry = now + Seconds(std::max(remaining, int64_t{0})) + options_.promote_extension,
            .checkpointed = hint > 0};
        Schedule(lease, now);
        leases_.emplace(status.id, lease);
    }
}

void Lessor::Demote() {
    std::lock_guard lock(mu_);
    primary_ = false;
    leases_.clear();
}

void Lessor::OnGranted(LeaseId id, int64_t ttl_seconds, TimePoint now) {
    std::lock_guard lock(mu_);
    if (!primary_) {
        return;
    }
    Lease lease{.granted_ttl_seconds = std::max(ttl_seconds, int64_t{1}),
                .expiry = now + Seconds(std::max(ttl_seconds, int64_t{1}))};
    Schedule(lease, now);
    leases_[id] = lease;
}

void Lessor::OnRevoked(LeaseId id) {
    std::lock_guard lock(mu_);
    leases_.erase(id);
}

void Lessor::OnCheckpointed(const kv::LeaseCheckpoint& checkpoint) {
    std::lock_guard lock(mu_);
    auto it = leases_.find(checkpoint.id);
    if (it != leases_.end()) {
        it->second.checkpointed = checkpoint.remaining_ttl > 0;
    }
}

absl::StatusOr<Lessor::Renewed> Lessor::Renew(LeaseId id, TimePoint now) {
    std::lock_guard lock(mu_);
    if (!primary_) {
        return NotLeaderError();
    }
    auto it = leases_.find(id);
    if (it == leases_.end() || it->second.expiry <= now) {
        // An expired lease stays expired: its revoke is proposed or about to be (etcd answers
        // a keepalive for it with "not found" too).
        return kv::LeaseNotFoundError();
    }
    Lease& lease = it->second;
    lease.expiry = now + Seconds(lease.granted_ttl_seconds);
    Schedule(lease, now);
    return Renewed{.ttl_seconds = lease.granted_ttl_seconds,
                   .clear_checkpoint = lease.checkpointed};
}

std::optional<Lessor::Clock::duration> Lessor::Remaining(LeaseId id, TimePoint now) const {
    std::lock_guard lock(mu_);
    auto it = leases_.find(id);
    if (!primary_ || it == leases_.end()) {
        return std::nullopt;
    }
    return std::max(it->second.expiry - now, Clock::duration::zero());
}

std::vector<LeaseId> Lessor::TakeExpired(TimePoint now, size_t count_max) {
    std::lock_guard lock(mu_);
    std::vector<LeaseId> expired;
    for (auto& [id, lease] : leases_) {
        if (expired.size() >= count_max) {
            break;
        }
        if (lease.expiry > now) {
            continue;
        }
        if (lease.revoke_proposed.has_value()
            && now - *lease.revoke_proposed < options_.revoke_retry_interval) {
            continue;
        }
        lease.revoke_proposed = now;
        expired.push_back(id);
    }
    return expired;
}

std::vector<kv::LeaseCheckpoint> Lessor::TakeCheckpointsDue(TimePoint now, size_t count_max) {
    std::lock_guard lock(mu_);
    std::vector<kv::LeaseCheckpoint> due;
    for (auto& [id, lease] : leases_) {
        if (due.size() >= count_max) {
            break;
        }
        if (!lease.next_checkpoint.has_value() || *lease.next_checkpoint > now
            || lease.expiry <= now) {
            continue;
        }
        due.push_back(
            kv::LeaseCheckpoint{.id = id, .remaining_ttl = CeilSeconds(lease.expiry - now)});
        lease.next_checkpoint = now + options_.checkpoint_interval;
    }
    return due;
}

size_t Lessor::size() const {
    std::lock_guard lock(mu_);
    return leases_.size();
}

void Lessor::CheckInvariants() const {
    std::lock_guard lock(mu_);
    if (!primary_) {
        KEEL_ASSERT(leases_.empty());
    }
    for (const auto& [id, lease] : leases_) {
        KEEL_ASSERT(!id.is_none());
        KEEL_ASSERT(lease.granted_ttl_seconds >= 1);
        if (lease.next_checkpoint.has_value()) {
            KEEL_ASSERT(Seconds(lease.granted_ttl_seconds) > options_.checkpoint_interval);
        }
    }
}

}  // namespace keel::server
