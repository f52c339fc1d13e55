// RaftNode's part in client sessions (docs/sessions.md): the leader's sweep of expired
// sessions that hold locks, so that a waiter gets a lock whose session died.
#include <spdlog/spdlog.h>

#include "kv/session_table.h"
#include "server/raft_node.h"

namespace keel::server {
namespace {

// How often the leader looks for expired sessions that hold locks. A lock of a dead session
// is released at most this long after the session's TTL ran out (plus a commit).
constexpr std::chrono::milliseconds kSessionSweepInterval{250};

int64_t WallClockMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

void RaftNode::TickSessions(Deadline now) {
    if (now < next_session_sweep_ || raw_->role() != raft::Role::kLeader) {
        return;
    }
    next_session_sweep_ = now + kSessionSweepInterval;
    const int64_t now_ms = WallClockMs();
    bool due = false;
    {
        std::lock_guard lock(store_mu_);
        for (const kv::AuxWrite& entry : store_->ListAux()) {
            keel::v1::SessionRecord record;
            if (entry.key.starts_with("session/") && entry.value.has_value()
                && record.ParseFromString(*entry.value) && kv::SessionNeedsSweep(record, now_ms)) {
                due = true;
                break;
            }
        }
    }
    if (!due) {
        return;
    }
    spdlog::debug("an expired session holds locks; proposing a session sweep");
    keel::v1::Command sweep;
    sweep.mutable_session_sweep();
    // Apply decides expiry from this stamp alone, as from every client entry's.
    sweep.set_leader_time_ms(now_ms);
    ProposeInternal(std::move(sweep));
}

}  // namespace keel::server
