// RaftNode's lease, alarm and quota hooks: how the lessor (lessor.h) and the alarm set
// (alarm_set.h) follow the log and leadership, and what the leader proposes on their behalf.
#include <spdlog/spdlog.h>

#include "base/assert.h"
#include "base/status.h"
#include "server/lease_translation.h"
#include "server/raft_node.h"

namespace keel::server {

absl::StatusOr<kv::LeaseTimeToLiveResponse> RaftNode::LeaseTimeToLive(
    const kv::LeaseTimeToLiveRequest& request) const {
    std::lock_guard lock(store_mu_);
    return store_->LeaseTimeToLive(request);
}

kv::LeaseLeasesResponse RaftNode::LeaseLeases() const {
    std::lock_guard lock(store_mu_);
    return store_->LeaseLeases();
}

void RaftNode::TickLeases(Deadline now) {
    if (now >= next_size_refresh_) {
        next_size_refresh_ = now + kDbSizeRefreshInterval;
        std::lock_guard lock(store_mu_);
        db_size_bytes_.store(store_->ApproximateSizeBytes());
    }
    if (raw_->role() != raft::Role::kLeader || !lessor_.is_primary()) {
        return;
    }
    for (const LeaseId id : lessor_.TakeExpired(now, kLeaseRevokesPerTickMax)) {
        spdlog::debug("lease {:x} expired; proposing its revoke", id.value());
        keel::v1::Command revoke;
        revoke.mutable_lease_revoke()->set_id(static_cast<int64_t>(id.value()));
        ProposeInternal(std::move(revoke));
    }
    const std::vector<kv::LeaseCheckpoint> due =
        lessor_.TakeCheckpointsDue(now, kLeaseCheckpointsPerEntryMax);
    if (!due.empty()) {
        keel::v1::Command checkpoint;
        *checkpoint.mutable_lease_checkpoint() = ToProto(due);
        ProposeInternal(std::move(checkpoint));
    }
}

void RaftNode::OnSoftState(const raft::SoftState& soft_state) {
    const bool leader = soft_state.role == raft::Role::kLeader;
    if (leader && !lessor_.is_primary()) {
        // The store as of now; the entries committed but not yet applied reach the lessor
        // through OnCommandApplied, in order, because it is primary from here on.
        kv::LeaseLeasesResponse leases;
        {
            std::lock_guard lock(store_mu_);
            leases = store_->LeaseLeases();
        }
        lessor_.Promote(leases.leases, Clock::now());
        spdlog::info("lessor: primary with {} leases", leases.leases.size());
    } else if (!leader && lessor_.is_primary()) {
        lessor_.Demote();
        spdlog::info("lessor: no longer primary");
    }
}

void RaftNode::OnCommandApplied(const keel::v1::Command& command,
                                const absl::StatusOr<CommandResponse>& response) {
    using C = keel::v1::Command;
    switch (command.op_case()) {
        case C::kLeaseGrant:
            // A retransmission in a session is answered from the table (a ReplayedResponse):
            // the grant it repeats reached the lessor when it executed.
            if (response.ok() && std::holds_alternative<kv::LeaseGrantResponse>(*response)) {
                const auto& granted = std::get<kv::LeaseGrantResponse>(*response);
                lessor_.OnGranted(granted.id, granted.ttl, Clock::now());
            }
            break;
        case C::kLeaseRevoke:
            if (response.ok() && std::holds_alternative<kv::LeaseRevokeResponse>(*response)) {
                lessor_.OnRevoked(LeaseId(static_cast<uint64_t>(command.lease_revoke().id())));
            }
            break;
        case C::kLeaseCheckpoint:
            for (const etcdserverpb::LeaseCheckpoint& c :
                 command.lease_checkpoint().checkpoints()) {
                lessor_.OnCheckpointed(
                    kv::LeaseCheckpoint{.id = LeaseId(static_cast<uint64_t>(c.id())),
                                        .remaining_ttl = c.remaining_ttl()});
            }
            break;
        case C::kAlarm:
            alarms_.Apply(command.alarm());
            spdlog::info("alarm {} {} for member {:x}",
                         etcdserverpb::AlarmRequest::AlarmAction_Name(command.alarm().action()),
                         etcdserverpb::AlarmType_Name(command.alarm().alarm()),
                         command.alarm().memberid());
            break;
        default:
            break;
    }
}

void RaftNode::ProposeInternal(keel::v1::Command command) {
    KEEL_ASSERT(command.request_id() == 0);
    const raft::ProposeResult result = raw_->Propose(command.SerializeAsString());
    if (!result.ok()) {
        // The next tick proposes again (an expired lease is retried after
        // revoke_retry_interval; a missed checkpoint only costs precision).
        spdlog::debug("internal proposal refused: {}", raft::ProposeErrorName(result.error));
    }
}

absl::Status RaftNode::CheckSpace(const keel::v1::Command& command, Deadline deadline) {
    KEEL_RETURN_IF_ERROR(alarms_.CheckWrite(command));
    using C = keel::v1::Command;
    const bool grows = command.op_case() == C::kPut || command.op_case() == C::kTxn
                       || command.op_case() == C::kLeaseGrant;
    if (!grows) {
        return absl::OkStatus();
    }
    if (db_size_bytes_.load() + command.ByteSizeLong() <= options_.quota_backend_bytes) {
        return absl::OkStatus();
    }
    // As etcd: raise NOSPACE for this member, then refuse the write. A txn that only deletes is
    // still refused here (it is rare, and etcd's quota check makes no exception for it either).
    keel::v1::Command alarm;
    alarm.mutable_alarm()->set_action(etcdserverpb::AlarmRequest::ACTIVATE);
    alarm.mutable_alarm()->set_memberid(options_.self.value());
    alarm.mutable_alarm()->set_alarm(etcdserverpb::NOSPACE);
    if (const auto raised = Propose(std::move(alarm), deadline); !raised.ok()) {
        spdlog::warn("cannot raise the NOSPACE alarm: {}", raised.status().ToString());
    }
    return NoSpaceError();
}

}  // namespace keel::server
