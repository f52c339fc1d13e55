// The plain data of the Raft protocol: log entries, persistent state, configurations,
// snapshots and peer messages. No behaviour lives here; src/storage and src/transport
// depend on this header alone, and src/raft depends on nothing of keel's but base.
//
// Vocabulary follows Ongaro's dissertation (2014): term, commit index, match/next index,
// voted_for. Indexes are 1-based; Index 0 and Term 0 mean "none".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/ids.h"

namespace keel::raft {

enum class EntryType : uint8_t {
    kNormal = 0,      // application command; empty data is the leader's no-op (§5.4.2)
    kConfChange = 1,  // data is an encoded ConfChange (see conf_change_codec.h)
};

struct Entry {
    Term term;
    Index index;
    EntryType type = EntryType::kNormal;
    std::string data;

    bool operator==(const Entry&) const = default;
};

// The state every server persists before answering an RPC (Figure 2), plus the commit index
// so that a restart can re-apply up to it without waiting for the leader.
struct HardState {
    Term term;
    NodeId voted_for;
    Index commit;

    bool operator==(const HardState&) const = default;
};

// A cluster configuration. Outside joint consensus `voters_outgoing` is empty. During a joint
// configuration C_old,new (§4.3 of the dissertation) decisions need a majority of `voters`
// (C_new) and a majority of `voters_outgoing` (C_old). `learners` receive the log but never vote
// or count towards a quorum; `learners_next` are voters of C_old that become learners when the
// joint configuration is left. All lists are sorted and free of duplicates.
struct ConfState {
    std::vector<NodeId> voters;
    std::vector<NodeId> learners;
    std::vector<NodeId> voters_outgoing;
    std::vector<NodeId> learners_next;
    // When true, the leader proposes the leave-joint entry itself as soon as the enter-joint
    // entry is applied.
    bool auto_leave = false;

    bool operator==(const ConfState&) const = default;
};

struct SnapshotMeta {
    Index index;  // the last log index the snapshot covers
    Term term;    // the term of that entry
    ConfState conf_state;

    bool operator==(const SnapshotMeta&) const = default;
};

// A snapshot as Raft sees it: metadata plus an opaque payload. For the simulator the payload is
// the whole state machine; for keeld it describes a RocksDB checkpoint that the transport
// streams in checksummed chunks.
struct Snapshot {
    SnapshotMeta meta;
    std::string data;

    bool is_empty() const { return meta.index.is_none(); }

    bool operator==(const Snapshot&) const = default;
};

enum class ConfChangeType : uint8_t {
    kAddVoter = 0,
    kAddLearner = 1,  // also demotes a voter to a learner
    kRemoveNode = 2,
};

struct ConfChangeSingle {
    ConfChangeType type = ConfChangeType::kAddVoter;
    NodeId node;

    bool operator==(const ConfChangeSingle&) const = default;
};

enum class ConfChangeTransition : uint8_t {
    // A single voter change uses the simple protocol; anything else enters a joint
    // configuration that is left automatically.
    kAuto = 0,
    // Always enter a joint configuration; leave it automatically.
    kJointImplicit = 1,
    // Always enter a joint configuration; the application proposes the (empty) leave entry.
    kJointExplicit = 2,
};

// A membership change. An empty `changes` list is the request to leave a joint configuration.
struct ConfChange {
    ConfChangeTransition transition = ConfChangeTransition::kAuto;
    std::vector<ConfChangeSingle> changes;
    std::string context;  // opaque to Raft (e.g. the new member's peer URLs)

    bool is_leave_joint() const { return changes.empty(); }

    bool operator==(const ConfChange&) const = default;
};

enum class MessageType : uint8_t {
    kPreVote = 0,  // dissertation §9.6: would you vote for me? Does not change anyone's term.
    kPreVoteResponse = 1,
    kVote = 2,  // RequestVote (§3.4)
    kVoteResponse = 3,
    kAppend = 4,  // AppendEntries with entries or as a probe (§3.5)
    kAppendResponse = 5,
    kHeartbeat = 6,  // AppendEntries with no entries: carries commit and a read-index context
    kHeartbeatResponse = 7,
    kSnapshot = 8,    // InstallSnapshot (§5)
    kTimeoutNow = 9,  // leadership transfer: start an election now (§3.10)
    kReadIndex = 10,  // a follower forwards a read-index request to the leader (§6.4)
    kReadIndexResponse = 11,
    kTransferLeader = 12,  // a follower forwards a leadership-transfer request to the leader
};

// One peer message. Which fields are meaningful depends on `type`; unused fields stay at their
// defaults so that encoding is canonical.
struct Message {
    MessageType type = MessageType::kAppend;
    NodeId from;
    NodeId to;
    Term term;  // the sender's current term (0 for a pre-vote response's own term semantics)

    // kAppend: the index and term of the entry preceding `entries` (prevLogIndex/prevLogTerm).
    // kVote/kPreVote: the candidate's last log index and term (lastLogIndex/lastLogTerm).
    // kAppendResponse: the highest index the follower now matches (on success), or the index
    // the rejection is about.
    Index index;
    Term log_term;

    std::vector<Entry> entries;
    Index commit;  // leaderCommit

    // Responses: rejection, with a conflict hint for fast backtracking (§5.3's optimization):
    // the follower's best guess of an index whose term is <= log_term on the leader's side.
    bool reject = false;
    Index reject_hint;

    std::optional<Snapshot> snapshot;  // kSnapshot

    // kVote/kPreVote sent because of a leadership transfer: voters grant it even while they
    // believe a leader is alive (§4.2.3 would otherwise make them ignore it).
    bool leadership_transfer = false;

    // kHeartbeat/kHeartbeatResponse/kReadIndex/kReadIndexResponse: the read-index request
    // context this round confirms.
    std::string context;

    // kTransferLeader: the node that should become leader (the sender only forwards the
    // request; it need not be the transferee).
    NodeId transferee;

    bool operator==(const Message&) const = default;
};

}  // namespace keel::raft
