#include "raft/message_check.h"

#include <absl/strings/str_format.h>

#include "base/limits.h"
#include "raft/conf_change.h"
#include "raft/limits.h"

namespace keel::raft {
namespace {

absl::Status Invalid(const Message& m, const char* what) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "raft message %s from %d: %s", MessageTypeName(m.type), m.from.value(), what));
}

absl::Status ValidateEntries(const Message& m) {
    if (m.entries.empty()) {
        return absl::OkStatus();
    }
    if (m.type != MessageType::kAppend) {
        return Invalid(m, "entries on a message that carries none");
    }
    if (m.entries.size() > kAppendEntriesMax) {
        return Invalid(m, "too many entries");
    }
    Index expected = m.index.Next();
    Term prev_term = m.log_term;
    for (const Entry& entry : m.entries) {
        if (entry.index != expected) {
            return Invalid(m, "entries are not contiguous after the previous index");
        }
        if (entry.term.is_none() || entry.term < prev_term || entry.term > m.term) {
            return Invalid(m, "entry term out of order");
        }
        if (entry.type != EntryType::kNormal && entry.type != EntryType::kConfChange) {
            return Invalid(m, "unknown entry type");
        }
        if (entry.data.size() > base::kEntryBytesMax) {
            return Invalid(m, "entry too large");
        }
        prev_term = entry.term;
        ++expected;
    }
    return absl::OkStatus();
}

absl::Status ValidateSnapshot(const Message& m) {
    if (m.type != MessageType::kSnapshot) {
        return absl::OkStatus();
    }
    if (!m.snapshot.has_value() || m.snapshot->meta.index.is_none()) {
        return Invalid(m, "snapshot missing or empty");
    }
    if (m.snapshot->meta.term.is_none() || m.snapshot->meta.term > m.term) {
        return Invalid(m, "snapshot term out of range");
    }
    if (absl::Status s = ValidateConfState(m.snapshot->meta.conf_state); !s.ok()) {
        return Invalid(m, "snapshot configuration invalid");
    }
    return absl::OkStatus();
}

}  // namespace

absl::Status ValidateMessage(const Message& m, NodeId self) {
    if (static_cast<uint8_t>(m.type) > static_cast<uint8_t>(MessageType::kTransferLeader)) {
        return absl::InvalidArgumentError("raft message of unknown type");
    }
    if (m.from.is_none() || m.from == self) {
        return Invalid(m, "bad sender");
    }
    if (m.to != self) {
        return Invalid(m, "addressed to another node");
    }
    const bool termless =
        m.type == MessageType::kReadIndex || m.type == MessageType::kTransferLeader;
    if (m.term.is_none() && !termless) {
        return Invalid(m, "term 0");
    }
    if (m.type == MessageType::kTransferLeader && m.transferee.is_none()) {
        return Invalid(m, "no transferee");
    }
    if (absl::Status s = ValidateEntries(m); !s.ok()) {
        return s;
    }
    return ValidateSnapshot(m);
}

const char* MessageTypeName(MessageType type) {
    switch (type) {
        case MessageType::kPreVote:
            return "PreVote";
        case MessageType::kPreVoteResponse:
            return "PreVoteResponse";
        case MessageType::kVote:
            return "Vote";
        case MessageType::kVoteResponse:
            return "VoteResponse";
        case MessageType::kAppend:
            return "Append";
        case MessageType::kAppendResponse:
            return "AppendResponse";
        case MessageType::kHeartbeat:
            return "Heartbeat";
        case MessageType::kHeartbeatResponse:
            return "HeartbeatResponse";
        case MessageType::kSnapshot:
            return "Snapshot";
        case MessageType::kTimeoutNow:
            return "TimeoutNow";
        case MessageType::kReadIndex:
            return "ReadIndex";
        case MessageType::kReadIndexResponse:
            return "ReadIndexResponse";
        case MessageType::kTransferLeader:
            return "TransferLeader";
    }
    return "Unknown";
}

}  // namespace keel::raft
