// Raft::Create: validation of the configuration and of the state restored from disk.

#include <algorithm>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include "base/limits.h"
#include "base/status.h"
#include "raft/conf_change.h"
#include "raft/conf_change_codec.h"
#include "raft/raft.h"

namespace keel::raft {
namespace {

absl::Status ValidateConfig(const Config& config) {
    if (config.id.is_none()) {
        return absl::InvalidArgumentError("config: id must not be 0");
    }
    if (config.heartbeat_interval_ticks < 1) {
        return absl::InvalidArgumentError("config: heartbeat_interval_ticks must be >= 1");
    }
    if (config.election_timeout_ticks <= config.heartbeat_interval_ticks) {
        return absl::InvalidArgumentError(
            "config: election_timeout_ticks must exceed heartbeat_interval_ticks");
    }
    if (config.inflight_msgs_max < 1 || config.inflight_bytes_max < 1) {
        return absl::InvalidArgumentError("config: inflight limits must be >= 1");
    }
    if (config.append_bytes_max < 1 || config.append_bytes_max > base::kPeerMessageBytesMax) {
        return absl::InvalidArgumentError("config: append_bytes_max out of range");
    }
    if (config.read_only_mode == ReadOnlyMode::kLeaseBased && !config.check_quorum) {
        return absl::InvalidArgumentError("config: lease-based reads require check_quorum");
    }
    const Config::TestingKnobs& knobs = config.testing;
    const bool unsafe =
        knobs.unsafe_commit_previous_term_entries || knobs.unsafe_skip_log_up_to_date_check;
    if (unsafe && !knobs.allow_unsafe) {
        return absl::InvalidArgumentError(
            "config: an unsafe testing knob is set without testing.allow_unsafe");
    }
    return absl::OkStatus();
}

// Checks that the restored log continues the snapshot and that the hard state fits it.
absl::Status ValidateLog(const Restored& restored, const SnapshotMeta& snap) {
    Index expected = snap.index.Next();
    Term prev_term = snap.term;
    for (const Entry& entry : restored.entries) {
        if (entry.index != expected) {
            return absl::DataLossError(
                absl::StrFormat("restored log: entry %d where %d was expected",
                                entry.index.value(),
                                expected.value()));
        }
        if (entry.term < prev_term || entry.term.is_none()) {
            return absl::DataLossError(
                absl::StrFormat("restored log: entry %d has term %d after term %d",
                                entry.index.value(),
                                entry.term.value(),
                                prev_term.value()));
        }
        prev_term = entry.term;
        ++expected;
    }
    const Index last = snap.index + restored.entries.size();
    if (restored.hard_state.commit > last) {
        return absl::DataLossError(
            absl::StrFormat("restored state: commit %d beyond last log index %d",
                            restored.hard_state.commit.value(),
                            last.value()));
    }
    if (restored.hard_state.term < prev_term) {
        return absl::DataLossError("restored state: term below the last log entry's term");
    }
    // The commit index is persisted lazily (no fsync of its own), so it may lag what the
    // application applied; but applied entries were durable before they were applied.
    if (restored.applied > last) {
        return absl::DataLossError(
            absl::StrFormat("restored state: applied %d beyond last log index %d",
                            restored.applied.value(),
                            last.value()));
    }
    return absl::OkStatus();
}

// The configuration as of `applied`: the snapshot's (or the bootstrap one), with every conf
// change in (snapshot, applied] replayed, since the application will not hand those back.
absl::StatusOr<ConfState> RestoredConf(const Restored& restored,
                                       const SnapshotMeta& snap,
                                       Index applied) {
    ConfState conf = restored.snapshot.has_value() ? snap.conf_state : restored.conf_state;
    if (conf != ConfState{}) {
        if (absl::Status s = ValidateConfState(conf); !s.ok()) {
            return absl::InvalidArgumentError(
                absl::StrCat("restored configuration: ", s.message()));
        }
    }
    for (const Entry& entry : restored.entries) {
        if (entry.index > applied || entry.type != EntryType::kConfChange) {
            continue;
        }
        absl::StatusOr<ConfChange> change = DecodeConfChange(entry.data);
        if (!change.ok()) {
            return absl::DataLossError(absl::StrFormat(
                "restored log: entry %d: %s", entry.index.value(), change.status().message()));
        }
        // A change that does not apply was ignored when it was first applied, too.
        if (absl::StatusOr<ConfState> next = ApplyConfChangeToConf(conf, *change); next.ok()) {
            conf = *std::move(next);
        }
    }
    return conf;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Raft>> Raft::Create(const Config& config, Restored restored) {
    if (absl::Status s = ValidateConfig(config); !s.ok()) {
        return s;
    }
    const SnapshotMeta snap = restored.snapshot.value_or(SnapshotMeta{});
    if (snap.index.is_none() != snap.term.is_none()) {
        return absl::InvalidArgumentError("restored snapshot: index and term must both be set");
    }
    if (absl::Status s = ValidateLog(restored, snap); !s.ok()) {
        return s;
    }
    // Everything in the snapshot is committed and applied by construction, and so is
    // everything the application applied.
    const Index commit = std::max({restored.hard_state.commit, snap.index, restored.applied});
    const Index applied = std::max(restored.applied, snap.index);
    KEEL_ASSIGN_OR_RETURN(ConfState conf, RestoredConf(restored, snap, applied));

    RaftLog log(snap, std::move(restored.entries), commit, applied);
    std::unique_ptr<Raft> raft(new Raft(config, std::move(log)));
    if (restored.snapshot.has_value() && restored.snapshot_data.has_value()) {
        raft->snapshot_ = Snapshot{.meta = *restored.snapshot, .data = *restored.snapshot_data};
    }
    raft->term_ = restored.hard_state.term;
    raft->vote_ = restored.hard_state.voted_for;
    raft->tracker_.SetConf(conf, raft->log_.last_index().Next());
    raft->BecomeFollower(raft->term_, NodeId::None());
    raft->CheckInvariants(CheckDepth::kFull);
    return raft;
}

}  // namespace keel::raft
