// RaftNode: one member of one Raft group, with its durable log, its state machine and its
// peer links: the consensus half of keeld.
//
// It owns a raft::RawNode, the storage::Wal (data_dir/wal, on a PosixFileSystem), the
// kv::MvccStore (data_dir/kv) and a transport::PeerTransport. A single loop thread drives
// RawNode: it ticks every tick_interval, steps the peer messages the transport queued, proposes
// the commands and read requests RPC threads queued, and handles each Ready in the order
// raw_node.h prescribes (persist and sync, send, apply and answer, Advance). See
// docs/server.md for the request path.
//
// Recovery: the WAL gives the hard state and the log; the store gives its applied index; Raft
// restarts with applied = the store's applied index, so it hands the committed entries above it
// out again and the loop re-applies them (the store writes with RocksDB's WAL off, so a crash
// can lose its unflushed tail, never split an entry). Every snapshot_count applied entries the
// node flushes the store and cuts its log (raft_node_snapshot.cc); a follower too far behind
// gets a RocksDB checkpoint instead of entries (docs/server.md, "Snapshots").
//
// Threading: Propose, WaitReadIndex, Range, View and DbSizeBytes are thread-safe (RPC threads);
// everything else in the class runs on the loop thread. The store is guarded by store_mu_:
// the loop thread holds it while it applies a Ready's entries, readers while they read.
// Invariant: store_->applied_index() <= raw_->GetStatus().hard_state.commit.
// Invariant: nothing is sent before the Ready's entries and hard state are durable, except a
// steady leader's messages (ready_order.h: the leader's write overlaps replication).
//
// A full disk (the WAL cannot preallocate its next segment: ResourceExhausted) is not a crash:
// the Ready that could not be made durable is held (stalled_ready_), nothing of it is sent,
// applied or acknowledged, the sync is retried every tick, and meanwhile proposals and
// linearizable reads fail at once with DiskFullError(); serializable reads keep working. Raft
// keeps stepping messages, so a stalled leader loses its followers and steps down; once space
// is freed the member resumes where it stopped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <absl/functional/any_invocable.h>
#include <absl/status/statusor.h>

#include "keel/v1/command.pb.h"
#include "keel/v1/membership.pb.h"
#include "kv/mvcc_store.h"
#include "raft/raw_node.h"
#include "server/alarm_set.h"
#include "server/apply_observer.h"
#include "server/checkpoint_sender.h"
#include "server/cluster_config.h"
#include "server/command_applier.h"
#include "server/compaction_points.h"
#include "server/lessor.h"
#include "server/limits.h"
#include "server/node_metrics.h"
#include "server/pending_requests.h"
#include "storage/posix_file_system.h"
#include "storage/wal.h"
#include "transport/peer_transport.h"

namespace keel::server {

// Whether this start creates the cluster or rejoins one (etcd's --initial-cluster-state).
enum class InitialClusterState : uint8_t {
    // Bootstrap from --initial-cluster when the data directory is empty; restart otherwise.
    kNew = 0,
    // The data directory holds this member's state, or the member joins a running cluster
    // (after etcd's member add) and starts empty (server/member_join.h).
    kExisting = 1,
};

struct RaftNodeOptions {
    std::string data_dir;
    ClusterConfig cluster;
    NodeId self;
    InitialClusterState initial_state = InitialClusterState::kNew;
    std::chrono::milliseconds tick_interval{100};
    int election_timeout_ticks = 10;
    int heartbeat_interval_ticks = 1;
    // Where the WAL and the member file live; null means the real disk (PosixFileSystem).
    // Tests pass a simulated one to inject disk faults. The store always uses the real disk.
    std::shared_ptr<storage::FileSystem> file_system;
    storage::WalOptions wal;
    // Testing only (keeld --debug-fsync-delay-file): a control file whose number delays every
    // WAL fsync by that many milliseconds, and whose word `eio` fails it
    // (storage/disk_fault_file_system.h). Empty: none.
    std::string debug_fsync_delay_file;
    // Testing only (keeld --debug-peer-duplicate-file): a control file whose number is the
    // fraction, in parts per million, of received peer batches delivered twice
    // (transport/duplicating_delivery.h). Empty: none.
    std::string debug_peer_duplicate_file;
    // The storage quota (etcd's --quota-backend-bytes): a write that would grow the store past
    // it raises the NOSPACE alarm (alarm_set.h).
    uint64_t quota_backend_bytes = kQuotaBackendBytesDefault;
    // How often the leader checkpoints the remaining TTL of leases longer than this.
    std::chrono::milliseconds lease_checkpoint_interval{std::chrono::minutes(5)};
    // etcd's --max-request-bytes and --max-txn-ops.
    RequestLimits limits;
    // Snapshots (raft_node_snapshot.cc): cut the log every snapshot_count applied entries
    // (etcd's --snapshot-count), keeping snapshot_catchup_entries behind the applied index for
    // followers that are only a little behind (etcd's --experimental-snapshot-catchup-entries).
    uint64_t snapshot_count = 10000;
    uint64_t snapshot_catchup_entries = 5000;
    // The largest checkpoint archive this member sends or accepts.
    uint64_t snapshot_bytes_max = 512 * 1024 * 1024;
    // This member's name when it is not in `cluster` (a member that joined after bootstrap).
    std::string self_name;
    // Peer addresses known before the applied membership names them (a joining member learns
    // them from the cluster it joins), as (member id, host:port).
    std::vector<std::pair<NodeId, std::string>> known_peers;
    // Called once, on the loop thread, when this member applies its own removal.
    std::function<void()> on_removed;
};

// What RPC threads may know of the node's Raft state (for response headers and Status).
struct NodeView {
    NodeId leader;
    raft::Role role = raft::Role::kFollower;
    Term term;
    Index commit;
    Index applied;
    Index last_index;
    bool is_learner = false;
};

class RaftNode {
public:
    // Opens (or creates) the WAL and the store under options.data_dir and builds the RawNode.
    // Errors: InvalidArgument if `self` is not in the cluster; FailedPrecondition if the data
    // directory belongs to another member or cluster, or is empty with kExisting; DataLoss if
    // the store has applied entries the WAL does not hold, or is behind the WAL's snapshot
    // marker with no received checkpoint to complete it; the WAL's and store's own errors.
    static absl::StatusOr<std::unique_ptr<RaftNode>> Open(RaftNodeOptions options);

    ~RaftNode();
    RaftNode(const RaftNode&) = delete;
    RaftNode& operator=(const RaftNode&) = delete;

    // The inbound peer service, to register with the peer gRPC server before it starts.
    grpc::Service* peer_service() { return transport_->service(); }

    // Connects to the peers and starts the loop thread.
    void Start();

    // Stops the loop thread and the transport, answers every waiting request with
    // StoppedError() and syncs the WAL. Idempotent. The store closes (and flushes) with the
    // object.
    void Stop();

    // Proposes `command` (its request_id is assigned here) and waits until it is applied or
    // `deadline` passes; while no leader is known (an election) it waits for one. Errors:
    // NotLeaderError() on a follower (the caller may forward), LeaderChangedError(),
    // RequestTimeoutError(), TooManyRequestsError(), RequestTooLargeError(), StoppedError(), and
    // the state machine's own errors.
    absl::StatusOr<CommandResponse> Propose(keel::v1::Command command, Deadline deadline);

    // Propose without waiting: `done` gets the same answers exactly once, on this thread when
    // the proposal is refused at once, else on the loop thread (where it must not block). A
    // deadline is enforced by the loop's tick, so it may answer up to a tick late. For the
    // callback RPC handlers (kv_service.h): no thread waits for the entry to apply.
    void ProposeAsync(keel::v1::Command command,
                      Deadline deadline,
                      absl::AnyInvocable<void(absl::StatusOr<CommandResponse>)> done);

    // Waits until this member's state machine has applied everything committed before the
    // call (ReadIndex, dissertation §6.4): a read served afterwards is linearizable. Errors:
    // NoLeaderError(), RequestTimeoutError(), TooManyRequestsError(), StoppedError().
    absl::Status WaitReadIndex(Deadline deadline);

    // Reads the local state machine (serializable: as of this member's applied index).
    absl::StatusOr<kv::RangeResponse> Range(const kv::RangeRequest& request) const;

    // Reads the local store's change history (for watchers; see kv/history.h).
    absl::StatusOr<kv::HistoryResponse> History(const kv::HistoryRequest& request) const;
    Revision compacted_revision() const;

    // Tells `observer` of every entry applied from now on (the watch hub). Precondition:
    // called before Start(); the observer outlives the loop thread.
    void SetApplyObserver(ApplyObserver* observer);

    NodeView View() const;

    // True while the WAL's disk is full (see the class comment).
    bool disk_full() const { return disk_full_.load(); }

    Revision revision() const;
    uint64_t DbSizeBytes() const;

    // ---- Maintenance (raft_node_maintenance.cc); thread-safe, of this member's store. ----
    // etcd's HashKV at `revision` (0: current). Errors: the store's (compacted, future).
    absl::StatusOr<kv::HashKvResponse> HashKv(Revision revision) const;
    // etcd's Hash: the whole store but this member's applied index.
    kv::StoreHash HashAll() const;
    // etcd's Defragment. Apply waits while it runs, as in etcd. Errors: the store's.
    absl::Status Defragment();
    // A consistent copy of the store for a client backup: a checkpoint packed as
    // checkpoint_archive.h describes, at most snapshot_bytes_max. Errors: the file system's,
    // the store's, OutOfRange beyond the bound.
    absl::StatusOr<std::string> BackupArchive() const;

    NodeId id() const { return options_.self; }

    // ---- Leases and alarms (raft_node_lease.cc). Thread-safe. ----
    // The leader's lease clocks (empty on a follower).
    Lessor& lessor() { return lessor_; }

    const AlarmSet& alarms() const { return alarms_; }

    const RequestLimits& request_limits() const { return options_.limits; }

    // The instruments this node updates, for /metrics (thread-safe; server_metrics.h).
    const NodeMetrics& metrics() const { return metrics_; }

    // The store's view of one lease / of every lease (as of this member's applied index).
    absl::StatusOr<kv::LeaseTimeToLiveResponse> LeaseTimeToLive(
        const kv::LeaseTimeToLiveRequest& request) const;
    kv::LeaseLeasesResponse LeaseLeases() const;

    // The bootstrap membership (--initial-cluster of the members that created the cluster).
    const ClusterConfig& cluster() const { return options_.cluster; }

    // ---- Membership (raft_node_membership.cc). Thread-safe. ----

    // Proposes a membership change (membership.h) and waits until it applies. An add with id
    // 0 gets a fresh id here. Errors: as Propose, ValidateMembershipChange's errors,
    // LearnerNotReadyError() for a promote of a learner that lags the leader, and
    // MemberRemovedError() on a removed member.
    absl::StatusOr<keel::v1::ProposeMembershipResponse> ProposeMembership(
        keel::v1::MembershipChange change, Deadline deadline);
    // The membership as this member has applied it.
    std::shared_ptr<const keel::v1::MembershipRecord> membership() const;
    // The first peer address of member `id` as this member knows it, or nullopt.
    std::optional<std::string> PeerAddress(NodeId id) const;
    // Hands leadership to `target` (etcd's MoveLeader, dissertation §3.10) and waits until it
    // leads. Errors: NotLeaderError() unless this member leads; BadLeaderTransfereeError() if
    // `target` is not a voting member; LeaderTransferTimeoutError(); StoppedError().
    absl::Status TransferLeadership(NodeId target, Deadline deadline);

    // True once this member applied its own removal, or was told of it (MarkRemoved).
    bool removed() const { return removed_.load(); }

    // Another member's applied membership lists this member as removed: stop serving and call
    // options.on_removed (once).
    void MarkRemoved();

    uint64_t cluster_id() const { return options_.cluster.cluster_id; }

private:
    struct QueuedProposal {
        std::string data;
        // Set for a membership change: `data` is empty and the loop validates and encodes it.
        std::optional<keel::v1::MembershipChange> membership;
        ProposalPromise promise;
        Deadline deadline;
    };

    struct QueuedRead {
        ReadPromise promise;
        Deadline deadline;
    };

    // What the RPC and transport threads hand to the loop thread.
    struct Inbox {
        std::vector<raft::Message> messages;
        std::vector<NodeId> unreachable;
        std::deque<QueuedProposal> proposals;
        std::deque<QueuedRead> reads;
        std::vector<std::pair<NodeId, raft::SnapshotStatus>> snapshot_reports;
        std::vector<NodeId> transfers;  // leadership transfer targets

        bool empty() const {
            return messages.empty() && unreachable.empty() && proposals.empty() && reads.empty()
                   && snapshot_reports.empty() && transfers.empty();
        }
    };

    RaftNode(RaftNodeOptions options,
             std::shared_ptr<storage::FileSystem> fs,
             std::unique_ptr<storage::Wal> wal,
             std::unique_ptr<kv::MvccStore> store,
             std::unique_ptr<raft::RawNode> raw);

    // Propose without the pending and failed counts (NodeMetrics).
    absl::StatusOr<CommandResponse> ProposeUncounted(keel::v1::Command command, Deadline deadline);
    // Queues `command` for the loop thread, or answers `answer` at once if it is refused.
    void EnqueueProposal(keel::v1::Command command, Deadline deadline, ProposalPromise answer);

    // ---- Loop thread (raft_node.cc). ----
    void Loop();
    void HandleInbox(Inbox& inbox);
    void ProposeQueued(QueuedProposal& proposal);
    // Proposes the parked proposals once a leader is known; answers the overdue ones.
    void ServeParked(Deadline now);
    void ReadQueued(QueuedRead& read);
    void PublishView();

    // ---- Loop thread: the Ready (raft_node_ready.cc). ----
    void DrainReady();
    // Writes and syncs the Ready; false if the disk is full (nothing else fails: crashes).
    bool Persist(const raft::Ready& ready);
    // Retries the sync of a stalled Ready; true (and the Ready is finished) once it worked.
    bool RetryStalledReady();
    // Steps 2-4 of a durable Ready: send, apply and answer, Advance.
    void Finish(raft::Ready ready);
    void Apply(const raft::Ready& ready);
    // ---- Loop thread: membership (raft_node_membership.cc). ----
    absl::StatusOr<CommandResponse> ApplyConfChange(const raft::Entry& entry);
    // Applies a membership change that is not a Raft conf change (a Command.membership entry).
    absl::StatusOr<CommandResponse> ApplyMembershipCommand(
        Index index, const keel::v1::MembershipChange& change);
    absl::StatusOr<CommandResponse> ApplyMembershipChange(Index index,
                                                          const keel::v1::MembershipChange& change);
    void ProposeMembershipQueued(QueuedProposal& proposal);
    // Points the transport at every member the membership names and drops removed ones.
    void UpdatePeers();
    // Where to dial `member`: its first peer URL's address, or the bootstrap configuration's
    // address for a bootstrap member whose URL is unchanged (keeld's --debug-peer-dial).
    std::optional<std::string> DialAddress(const keel::v1::MemberRecord& member) const;
    // Re-reads the membership from the store: call after the store was replaced (a snapshot
    // installed), since the snapshot's record supersedes the one applied so far.
    void ReloadMembership();
    // Loop thread, in SkipCoveredEntry: whether a conf change the installed checkpoint already
    // holds was accepted when it applied on the leader (the reloaded record shows its effect;
    // a refused one never reached Raft's configuration, so it must not here either).
    bool CoveredConfChangeTookEffect(const raft::ConfChange& change) const;

    // ---- Leases, alarms and the quota (raft_node_lease.cc). ----
    // Loop thread, once per tick: proposes the revokes of expired leases and the due lease
    // checkpoints (leader only), and refreshes the store size the quota check reads.
    void TickLeases(Deadline now);
    // Loop thread, once per tick (raft_node_session.cc): on the leader, at most every
    // kSessionSweepInterval, proposes a session sweep when an expired session holds locks.
    void TickSessions(Deadline now);
    // Loop thread: a Ready changed the role; the lessor follows leadership.
    void OnSoftState(const raft::SoftState& soft_state);
    // Loop thread, under store_mu_: keeps the lessor and the alarm set in step with the log.
    void OnCommandApplied(const keel::v1::Command& command,
                          const absl::StatusOr<CommandResponse>& response);
    // Loop thread: proposes a command no client waits for (request_id 0).
    void ProposeInternal(keel::v1::Command command);
    // RPC threads, before proposing: NoSpaceError() if the NOSPACE alarm is raised, or if
    // `command` would grow the store past the quota (then raises the alarm first).
    absl::Status CheckSpace(const keel::v1::Command& command, Deadline deadline);
    // ---- Snapshots (raft_node_snapshot.cc). ----
    // Loop thread: sends the Ready's messages, diverting snapshots to checkpoint_sender_.
    void SendMessages(std::vector<raft::Message> messages);
    // Loop thread, in Persist: writes the marker and swaps the store for the checkpoint.
    void InstallSnapshot(const raft::Snapshot& snapshot);
    // Loop thread, in InstallSnapshot with store_mu_ held: tells whatever caches store state
    // that the store was replaced (the watch hub, the lessor, the quota's size).
    void OnStoreInstalled();
    // Loop thread, in Apply: an entry the installed checkpoint already holds.
    void SkipCoveredEntry(const raft::Entry& entry);
    // Loop thread, after a Ready: flushes the store and cuts the log when it is time.
    void MaybeCompact();
    // Transport threads: unpacks each snapshot's checkpoint to disk; drops bad ones.
    void ReceiveSnapshots(std::vector<raft::Message>& messages);
    // Transport and sender threads: queues the outcome for RawNode::ReportSnapshot.
    void OnSnapshotSent(NodeId peer, raft::SnapshotStatus status);

    // ---- Transport threads. ----
    void OnMessages(std::vector<raft::Message> messages);
    void OnUnreachable(NodeId peer);

    const RaftNodeOptions options_;
    std::shared_ptr<storage::FileSystem> fs_;
    std::unique_ptr<storage::Wal> wal_;
    std::unique_ptr<raft::RawNode> raw_;
    std::unique_ptr<transport::PeerTransport> transport_;

    mutable std::mutex store_mu_;
    std::unique_ptr<kv::MvccStore> store_;  // guarded by store_mu_

    // Loop thread only.
    ApplyObserver* apply_observer_ = nullptr;  // set before Start
    ProposalWaiters proposals_;
    // Proposals that arrived while no leader was known (an election is running): they wait
    // for one, as etcd's do, instead of failing at once. At most kProposalsQueuedMax.
    std::deque<QueuedProposal> parked_;
    ReadWaiters reads_;
    Index applied_;          // the store's applied index as of the last Ready
    uint64_t next_read_id_;  // starts at a random value: contexts are unique across restarts
    std::optional<raft::Ready> stalled_ready_;  // the Ready a full disk could not make durable
    Deadline next_disk_retry_{};                // when to retry its sync (once a tick)

    std::mutex inbox_mu_;
    std::condition_variable inbox_cv_;
    Inbox inbox_;            // guarded by inbox_mu_
    bool stopping_ = false;  // guarded by inbox_mu_

    mutable std::mutex view_mu_;
    NodeView view_;  // guarded by view_mu_

    Lessor lessor_;
    AlarmSet alarms_;
    // The store's size as of the last refresh (loop thread, about once a second).
    std::atomic<uint64_t> db_size_bytes_{0};
    Deadline next_size_refresh_;   // loop thread only
    Deadline next_session_sweep_;  // loop thread only
    // Loop thread only: the applied membership, and the address each peer's sender uses.
    keel::v1::MembershipRecord membership_;
    std::map<NodeId, std::string> peer_addresses_;
    // The applied membership for other threads; guarded by view_mu_.
    std::shared_ptr<const keel::v1::MembershipRecord> membership_view_;
    std::atomic<bool> removed_{false};

    NodeMetrics metrics_;
    NodeId last_leader_;  // loop thread only: the last known leader, for leader_changes

    std::atomic<uint64_t> next_request_id_;
    std::atomic<bool> disk_full_{false};

    // Snapshots. Loop thread only, but for checkpoint_sender_ (thread-safe).
    CompactionPoints compaction_points_;
    raft::ConfState conf_;   // the configuration as of applied_
    Index flushed_applied_;  // the store's applied index at its last flush
    std::unique_ptr<CheckpointSender> checkpoint_sender_;
    // The disk of the store and its checkpoints: always the real one (fs_ may be simulated).
    mutable storage::PosixFileSystem store_fs_;

    std::thread loop_thread_;
    bool started_ = false;
    bool stopped_ = false;
};

}  // namespace keel::server
