// RaftNode's Ready handling: raw_node.h's four steps, on the loop thread.
#include <utility>

#include <absl/strings/str_format.h>
#include <spdlog/spdlog.h>

#include "base/assert.h"
#include "server/limits.h"
#include "server/raft_node.h"
#include "server/ready_order.h"
#include "server/wal_fail_stop.h"

namespace keel::server {

void RaftNode::DrainReady() {
    if (stalled_ready_.has_value() && !RetryStalledReady()) {
        PublishView();
        return;
    }
    for (int round = 0; raw_->HasReady(); ++round) {
        KEEL_ASSERT_MSG(round < kReadyRoundsMax, "%d Readies in a row: a livelock", round);
        raft::Ready ready = raw_->GetReady();
        if (ready.soft_state.has_value()) {
            spdlog::info("member {:x} is {} in term {}; leader {:x}",
                         options_.self.value(),
                         raft::RoleName(ready.soft_state->role),
                         raw_->term().value(),
                         ready.soft_state->leader.value());
            const NodeId leader = ready.soft_state->leader;
            if (!leader.is_none() && leader != last_leader_) {
                last_leader_ = leader;
                metrics_.leader_changes.Add();
            }
            OnSoftState(*ready.soft_state);
        }
        // A steady leader replicates while it writes: its followers' fsyncs overlap its own
        // (ready_order.h). Everyone else sends only what is durable.
        if (!ready.messages.empty() && MaySendBeforePersist(raw_->role(), ready)) {
            SendMessages(std::exchange(ready.messages, {}));  // snapshots still diverted
        }
        // 1. Persist, durably before anything else leaves this member (Figure 2).
        if (!Persist(ready)) {
            spdlog::error(
                "the WAL's disk is full: member {:x} is read-only until space is "
                "freed (retrying every tick)",
                options_.self.value());
            stalled_ready_ = std::move(ready);
            disk_full_ = true;
            break;
        }
        Finish(std::move(ready));
    }
    if (!stalled_ready_.has_value()) {
        MaybeCompact();  // never while a full disk holds records back
    }
    PublishView();
}

bool RaftNode::RetryStalledReady() {
    KEEL_ASSERT(stalled_ready_.has_value());
    const Deadline now = Clock::now();
    if (now < next_disk_retry_) {
        return false;
    }
    next_disk_retry_ = now + options_.tick_interval;
    const absl::Status synced = wal_->Sync();
    if (absl::IsResourceExhausted(synced)) {
        return false;
    }
    FailStopIfFailed(synced, "sync the WAL");
    spdlog::warn("the WAL's disk has space again: member {:x} resumes", options_.self.value());
    raft::Ready ready = *std::move(stalled_ready_);
    stalled_ready_.reset();
    disk_full_ = false;
    Finish(std::move(ready));
    return true;
}

void RaftNode::Finish(raft::Ready ready) {
    // 2. Send.
    if (!ready.messages.empty()) {
        SendMessages(std::move(ready.messages));
    }
    // 3. Apply, and answer the requests waiting for what was applied.
    Apply(ready);
    for (const raft::ReadState& state : ready.read_states) {
        reads_.Confirm(state);
    }
    for (const std::string& context : ready.dropped_read_contexts) {
        reads_.Drop(context);
    }
    reads_.OnApplied(applied_);
    // 4. Advance.
    raw_->Advance();
}

bool RaftNode::Persist(const raft::Ready& ready) {
    // A snapshot from the leader: its marker and the store swap come before the entries that
    // continue it (raw_node.h, step 1).
    if (ready.snapshot.has_value()) {
        InstallSnapshot(*ready.snapshot);
    }
    if (!ready.entries.empty()) {
        FailStopIfFailed(wal_->Append(ready.entries), "append to the WAL");
    }
    if (ready.hard_state.has_value()) {
        FailStopIfFailed(wal_->SaveHardState(*ready.hard_state), "save the hard state");
    }
    // Entries are always synced before Advance() tells Raft they are durable (the leader counts
    // its own copy only then). A hard state that only moved the commit index rides along with
    // the next sync: recovery can rebuild it from the store (raft_node.cc, BuildRestored).
    if (ready.must_sync || !ready.entries.empty()) {
        const Deadline sync_start = Clock::now();
        const absl::Status synced = wal_->Sync();
        metrics_.wal_fsync.Observe(Clock::now() - sync_start);
        // A full disk when the next segment is preallocated: nothing was lost, the records
        // stay buffered in the Wal and a later Sync() writes them (storage/wal.h).
        if (absl::IsResourceExhausted(synced)) {
            return false;
        }
        FailStopIfFailed(synced, "sync the WAL");
    }
    return true;
}

void RaftNode::Apply(const raft::Ready& ready) {
    if (ready.committed_entries.empty()) {
        return;
    }

    // The answers are given after store_mu_ is released: a callback answer finishes its RPC
    // on this thread (owed_answer.h), and readers need not wait for that.
    struct Answer {
        Index index;
        Term term;
        absl::StatusOr<CommandResponse> response;
    };

    std::vector<Answer> answers;
    answers.reserve(ready.committed_entries.size());
    {
        std::lock_guard lock(store_mu_);
        const Deadline apply_start = Clock::now();  // after the lock: readers' time is not ours
        for (const raft::Entry& entry : ready.committed_entries) {
            if (entry.index <= store_->applied_index()) {
                SkipCoveredEntry(entry);
                continue;
            }
            KEEL_ASSERT_MSG(entry.index == store_->applied_index().Next(),
                            "applying entry %d after %d",
                            entry.index.value(),
                            store_->applied_index().value());
            if (entry.type == raft::EntryType::kConfChange) {
                answers.push_back(Answer{entry.index, entry.term, ApplyConfChange(entry)});
                compaction_points_.OnApplied(entry.index, entry.term, conf_);
                continue;
            }
            AppliedCommand applied = ApplyEntry(
                *store_,
                entry,
                [this](const keel::v1::Command& c, const auto& r) { OnCommandApplied(c, r); },
                [this](Index index, const keel::v1::MembershipChange& c) {
                    return ApplyMembershipCommand(index, c);
                });
            answers.push_back(Answer{entry.index, entry.term, std::move(applied.response)});
            if (apply_observer_ != nullptr && !applied.events.empty()) {
                apply_observer_->OnApplied(store_->revision(), std::move(applied.events));
            }
            compaction_points_.OnApplied(entry.index, entry.term, conf_);
        }
        applied_ = store_->applied_index();
        metrics_.backend_commit.Observe(Clock::now() - apply_start);
    }
    for (Answer& answer : answers) {
        proposals_.OnApplied(answer.index, answer.term, answer.response);
    }
}

}  // namespace keel::server
