// RawNode: the whole Raft protocol as a synchronous, deterministic state machine.
//
// RawNode does no I/O, owns no thread, reads no clock and draws no global randomness. Time
// arrives as Tick(), the network as Step(), the application as Propose()/ProposeConfChange()/
// ReadIndex()/TransferLeadership(). Every effect leaves through one Ready batch, which the
// caller handles in this order (the ordering duties are part of the contract):
//
//   1. persist `hard_state` (if set), `snapshot` (if set) and then append `entries`,
//      replacing any conflicting suffix of the stored log (entries[0].index onwards);
//      fsync when `must_sync` is set;
//   2. send `messages` (only after step 1 is durable: a vote or an acknowledgement must
//      never precede the state it reports, Figure 2);
//   3. install `snapshot` into the state machine, then apply `committed_entries` in order,
//      calling ApplyConfChange() for each kConfChange entry as it is applied;
//   4. call Advance().
//
// The leader counts its own copy of an entry towards a quorum only once Advance() reports it
// durable (dissertation §10.2.1 lets the leader's write overlap with replication).
//
// Ownership and threading: one owner drives a RawNode from a single thread. The simulator owns
// one per simulated node; keeld owns one per Raft group on its apply thread.
//
// Invariants (checked by CheckInvariants(), and by KEEL_ASSERTs on every transition):
//   - applied <= committed <= last log index; committed never decreases;
//   - a leader's term equals the term of a vote majority it won (or of its pre-vote round);
//   - entries in the in-memory log have contiguous indexes and non-decreasing terms;
//   - a follower's log is never truncated at or below the commit index.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/status/statusor.h>

#include "raft/types.h"

namespace keel::raft {

enum class Role : uint8_t {
    kFollower = 0,
    kPreCandidate = 1,
    kCandidate = 2,
    kLeader = 3,
};

const char* RoleName(Role role);

// How a ReadIndex request is confirmed (dissertation §6.4).
enum class ReadOnlyMode : uint8_t {
    // The leader confirms its leadership with a heartbeat round to a quorum before answering.
    kSafe = 0,
    // The leader answers from its lease, trusting that no other leader can have been elected
    // within the election timeout since it last heard from a quorum. Only as safe as the
    // bound on clock drift between members (§6.4.1): a paused or slow-clocked leader may
    // serve stale reads. Requires check_quorum. Opt-in.
    kLeaseBased = 1,
};

struct Config {
    NodeId id;

    // A follower that hears nothing from a leader for a random time in
    // [election_timeout_ticks, 2 * election_timeout_ticks) starts an election (§3.4).
    int election_timeout_ticks = 10;
    int heartbeat_interval_ticks = 1;

    // Seeds the randomized election timeout. Distinct per node.
    uint64_t rng_seed = 0;

    // Pre-vote (§9.6) and check-quorum (§6.2): both on unless a test turns them off.
    bool pre_vote = true;
    bool check_quorum = true;

    ReadOnlyMode read_only_mode = ReadOnlyMode::kSafe;

    // Flow control per follower in the replicate state: the number of AppendEntries messages
    // and the number of entry bytes in flight before the leader waits for acknowledgements.
    size_t inflight_msgs_max = 256;
    size_t inflight_bytes_max = 32 * 1024 * 1024;
    // The most entry bytes one AppendEntries carries (at least one entry is always sent).
    size_t append_bytes_max = 1024 * 1024;
    // The most bytes of proposals the leader accepts that are not yet committed; beyond it
    // proposals are dropped with ProposeError::kTooManyUncommitted. 0 means no limit.
    size_t uncommitted_bytes_max = 64 * 1024 * 1024;

    // Deliberate protocol bugs, for proving that the simulator's checkers have teeth. Never
    // set outside tests; a node refuses to start with one set unless the caller also sets
    // `allow_unsafe`.
    struct TestingKnobs {
        bool allow_unsafe = false;
        // Commit an entry of a previous term by counting its replicas: the rule that
        // Figure 8 of the Raft paper shows to be unsafe (§5.4.2).
        bool unsafe_commit_previous_term_entries = false;
        // Grant votes without the up-to-date log check (§5.4.1).
        bool unsafe_skip_log_up_to_date_check = false;
    };

    TestingKnobs testing;
};

// What a restarting node recovered from its stable storage. A brand-new node of a new cluster
// passes an empty log, a zero HardState and the bootstrap configuration in `conf_state`.
struct Restored {
    HardState hard_state;
    // The newest snapshot's metadata, if any; the log in `entries` continues after it.
    std::optional<SnapshotMeta> snapshot;
    // That snapshot's payload, if the caller can provide it: a leader needs it to bring a
    // lagging follower up to date. Without it the node cannot send a snapshot until the
    // application hands one over with Compact().
    std::optional<std::string> snapshot_data;
    // The durable log after the snapshot, contiguous and starting at snapshot.index + 1 (or 1).
    std::vector<Entry> entries;
    // The configuration to start from when there is no snapshot (the bootstrap membership).
    // Conf-change entries in `entries` are re-applied by the application as it applies them.
    ConfState conf_state;
    // The highest index the application has already applied (e.g. recorded in its state
    // machine). Committed entries above it are handed out again in the first Ready.
    Index applied;
};

// Why a request was not accepted. kNone means it was accepted.
enum class ProposeError : uint8_t {
    kNone = 0,
    kNotLeader = 1,           // see leader_hint
    kTransferInProgress = 2,  // the leader is handing over leadership
    kTooManyUncommitted = 3,  // flow control: retry later
    kConfChangePending = 4,   // a membership change is already in progress
    kInvalidConfChange = 5,   // e.g. removing the last voter, adding a member twice
    kTooLarge = 6,            // the entry exceeds base::kEntryBytesMax
};

const char* ProposeErrorName(ProposeError error);

struct ProposeResult {
    ProposeError error = ProposeError::kNone;
    NodeId leader_hint;  // the leader this node knows of, if any (for kNotLeader)
    Index index;         // where the entry was appended (when accepted)
    Term term;           // and in which term: the entry is committed iff it is applied at
                         // `index` with this term

    bool ok() const { return error == ProposeError::kNone; }
};

struct SoftState {
    NodeId leader;
    Role role = Role::kFollower;

    bool operator==(const SoftState&) const = default;
};

// A confirmed read: once the application has applied up to `index`, a read that was requested
// with `context` may be served linearizably (§6.4).
struct ReadState {
    Index index;
    std::string context;

    bool operator==(const ReadState&) const = default;
};

// One batch of effects. See the class comment for the order in which to handle the fields.
struct Ready {
    std::optional<SoftState> soft_state;   // set when leader or role changed
    std::optional<HardState> hard_state;   // set when term, vote or commit changed
    std::optional<Snapshot> snapshot;      // a snapshot received from the leader to install
    std::vector<Entry> entries;            // to append to stable storage
    std::vector<Entry> committed_entries;  // to apply, in index order
    std::vector<Message> messages;         // to send after persisting
    std::vector<ReadState> read_states;    // confirmed reads
    // Set when hard_state or entries must reach the disk (fsync) before messages go out.
    bool must_sync = false;
    // Requests that could not be served and must be failed back to their callers, by
    // context (a ReadIndex with no leader, or one on a leader that stepped down).
    std::vector<std::string> dropped_read_contexts;

    bool empty() const;
};

// The outcome of reporting a snapshot transfer to a follower.
enum class SnapshotStatus : uint8_t {
    kFinished = 0,
    kFailed = 1,
};

// Per-follower replication state as seen by the leader (for status pages and tests).
struct ProgressView {
    NodeId id;
    Index match;
    Index next;
    enum class State : uint8_t {
        kProbe,
        kReplicate,
        kSnapshot
    } state = State::kProbe;
    bool is_learner = false;
    bool recent_active = false;
    size_t inflight_msgs = 0;
};

struct Status {
    NodeId id;
    HardState hard_state;
    SoftState soft_state;
    Index applied;
    Index first_index;  // the first entry still in the log (after the snapshot)
    Index last_index;
    ConfState conf_state;
    std::vector<ProgressView> progress;  // leader only
    NodeId lead_transferee;
};

class Raft;  // the protocol's core; see raft.h

class RawNode {
public:
    // Validates the configuration and the restored state (e.g. a commit index beyond the log,
    // a log that does not continue the snapshot) and returns InvalidArgument or DataLoss with
    // a message that says what is wrong.
    static absl::StatusOr<std::unique_ptr<RawNode>> Create(const Config& config, Restored restored);

    ~RawNode();
    RawNode(const RawNode&) = delete;
    RawNode& operator=(const RawNode&) = delete;

    // Advances the logical clock by one tick: election timeouts, heartbeats, check-quorum.
    void Tick();

    // Feeds one message from a peer. Messages from stale terms, from unknown nodes and
    // duplicates are handled as the protocol prescribes (usually ignored). Returns
    // InvalidArgument for a malformed message (e.g. entries with non-contiguous indexes);
    // malformed input never trips an assertion.
    absl::Status Step(const Message& message);

    // Appends `data` as a new entry if this node is the leader.
    ProposeResult Propose(std::string data);

    // Proposes a membership change (joint consensus, §4.3, or a single-server change, §4.1).
    ProposeResult ProposeConfChange(const ConfChange& change);

    // Applies a committed conf change; the application calls this as it applies the entry,
    // and stores the returned configuration with its state.
    ConfState ApplyConfChange(const ConfChange& change);

    // Requests a linearizable read point. The answer arrives as a ReadState with the same
    // context in a later Ready (or the context in dropped_read_contexts). On a follower the
    // request is forwarded to the leader.
    void ReadIndex(std::string context);

    // Asks the leader to hand leadership to `transferee` (§3.10). On a follower the request
    // is forwarded to the leader.
    void TransferLeadership(NodeId transferee);

    // Starts an election now (tests and the leadership-transfer path).
    void Campaign();

    // The application took a snapshot of its state machine at `snapshot.meta.index`
    // (<= applied), with the configuration as of that index. Raft keeps it to send to lagging
    // followers and discards the log up to that index. Returns FailedPrecondition if the index
    // is not applied yet or older than the current snapshot.
    absl::Status Compact(Snapshot snapshot);

    // The transport could not reach `peer`, or a snapshot transfer to it ended.
    void ReportUnreachable(NodeId peer);
    void ReportSnapshot(NodeId peer, SnapshotStatus status);

    // False while a Ready is handed out and not yet acknowledged by Advance().
    bool HasReady() const;
    // Collects everything that happened since the last Advance(). Precondition: HasReady().
    // Step(), Tick() and the other inputs may be called between GetReady() and Advance();
    // their effects appear in the next Ready.
    Ready GetReady();
    // Acknowledges that the last Ready was handled (persisted, sent, applied).
    void Advance();

    Status GetStatus() const;
    NodeId id() const;
    NodeId leader() const;
    Role role() const;
    Term term() const;

    // Asserts every invariant of the core and its log and progress tracker (O(n)).
    void CheckInvariants() const;

private:
    // What the Ready handed out by GetReady() promised; Advance() acknowledges it.
    struct InFlightReady {
        Index last_index;  // last entry handed out for persisting (0: none)
        Term last_term;
        Index applied;   // last committed entry handed out for applying (0: none)
        Index snapshot;  // the snapshot handed out for installing (0: none)
    };

    explicit RawNode(std::unique_ptr<Raft> raft);

    std::unique_ptr<Raft> raft_;
    SoftState prev_soft_state_;
    HardState prev_hard_state_;
    std::optional<InFlightReady> in_flight_;
};

}  // namespace keel::raft
