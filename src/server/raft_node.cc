#include "server/raft_node.h"

#include <algorithm>
#include <random>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <spdlog/spdlog.h>

#include "base/assert.h"
#include "base/status.h"
#include "server/data_dir.h"
#include "server/errors.h"
#include "server/limits.h"
#include "server/member_join.h"
#include "server/membership.h"
#include "server/membership_errors.h"
#include "server/snapshot_files.h"
#include "storage/disk_fault_file_system.h"
#include "storage/file_system.h"
#include "transport/duplicating_delivery.h"

namespace keel::server {
namespace {

uint64_t RandomU64() {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
}

// The first format, before members could join: name and cluster id only.
std::string LegacyMemberFileContents(const RaftNodeOptions& options, const std::string& name) {
    return absl::StrFormat("name=%s\ncluster_id=%016x\n", name, options.cluster.cluster_id);
}

std::string MemberFileContents(const RaftNodeOptions& options, const std::string& name) {
    return MemberFileText(name, options.self, options.cluster);
}

// The data directory names the member and the cluster it was created for, so that a member
// started on another member's directory, or with a different --initial-cluster, refuses to
// run instead of corrupting the group.
absl::Status CheckMemberFile(storage::FileSystem& fs,
                             const RaftNodeOptions& options,
                             const std::string& name) {
    const std::string path = storage::JoinPath(options.data_dir, kMemberFileName);
    const std::string expected = MemberFileContents(options, name);
    if (fs.Exists(path)) {
        KEEL_ASSIGN_OR_RETURN(const std::string found, storage::ReadWholeFile(fs, path));
        if (found != expected && found != LegacyMemberFileContents(options, name)) {
            return absl::FailedPreconditionError(
                absl::StrCat(options.data_dir,
                             " belongs to another member or cluster: it records\n",
                             found,
                             "but this member is\n",
                             expected));
        }
        return absl::OkStatus();
    }
    // A member that joins a running cluster is not in the bootstrap membership; a bootstrap
    // member started with "existing" must have its data.
    if (options.initial_state == InitialClusterState::kExisting
        && options.cluster.Find(options.self) != nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("--initial-cluster-state=existing needs this member's data in ",
                         options.data_dir,
                         "; only a member added with `etcdctl member add` may start empty"));
    }
    return storage::WriteFileAtomically(fs, path, expected);
}

// What Raft restarts from: the WAL's snapshot marker, log and hard state, the bootstrap
// configuration (used when there is no snapshot), and the store's applied index.
absl::StatusOr<raft::Restored> BuildRestored(storage::WalContents contents,
                                             const ClusterConfig& cluster,
                                             Index applied) {
    const Index snapshot_index = contents.snapshot.has_value() ? contents.snapshot->index : Index();
    const Index last = contents.entries.empty() ? snapshot_index : contents.entries.back().index;
    // A store installed from a leader's checkpoint may be ahead of the log: the checkpoint is
    // newer than its snapshot's index (snapshot_files.h). Raft restarts at the log's end and
    // the entries the store already holds are skipped when applied. Without a snapshot the
    // store can only be ahead if the WAL lost entries.
    if (applied > last && !contents.snapshot.has_value()) {
        return absl::DataLossError(
            absl::StrFormat("the store has applied entry %d but the WAL ends at %d",
                            applied.value(),
                            last.value()));
    }
    raft::Restored restored{.hard_state = contents.hard_state,
                            .snapshot = contents.snapshot,
                            .entries = std::move(contents.entries),
                            .conf_state = cluster.InitialConfState(),
                            .applied = std::min(applied, last)};
    if (restored.snapshot.has_value()) {
        restored.snapshot_data = kLocalSnapshotData;
    }
    // The store applies only committed entries, so its applied index is a commit index this
    // member once knew, even if the hard state recording it was not yet synced (the loop syncs
    // a commit-only hard state lazily).
    if (restored.hard_state.commit < restored.applied) {
        restored.hard_state.commit = restored.applied;
    }
    return restored;
}

absl::Status ProposeErrorStatus(const raft::ProposeResult& result) {
    switch (result.error) {
        case raft::ProposeError::kNotLeader:
            return result.leader_hint.is_none() ? NoLeaderError() : NotLeaderError();
        case raft::ProposeError::kTransferInProgress:
            return LeaderChangedError();
        case raft::ProposeError::kTooManyUncommitted:
            return TooManyRequestsError();
        case raft::ProposeError::kTooLarge:
            return RequestTooLargeError();
        default:
            return absl::InternalError(
                absl::StrCat("proposal refused: ", raft::ProposeErrorName(result.error)));
    }
}

constexpr uint64_t kDuplicatesPerLog = 1000;

// The transport's on_messages: `deliver` itself, or wrapped to duplicate a fraction of the
// received batches when --debug-peer-duplicate-file is set (seeded by the member id).
std::function<void(std::vector<raft::Message>)> DeliveryFor(
    const RaftNodeOptions& options, std::function<void(std::vector<raft::Message>)> deliver) {
    if (options.debug_peer_duplicate_file.empty()) {
        return deliver;
    }
    auto duplicating = std::make_shared<transport::DuplicatingDelivery>(
        options.debug_peer_duplicate_file, options.self.value(), std::move(deliver));
    return [duplicating](std::vector<raft::Message> batch) {
        const uint64_t before = duplicating->duplicated();
        (*duplicating)(std::move(batch));
        const uint64_t after = duplicating->duplicated();
        if (after != before && after % kDuplicatesPerLog == 1) {
            spdlog::info("debug: {} received peer batches delivered twice so far", after);
        }
    };
}

}  // namespace

absl::StatusOr<std::unique_ptr<RaftNode>> RaftNode::Open(RaftNodeOptions options) {
    const Member* self = options.cluster.Find(options.self);
    if (self == nullptr && options.self_name.empty()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("member %x is not in --initial-cluster", options.self.value()));
    }
    const std::string self_name = self != nullptr ? self->name : options.self_name;
    std::shared_ptr<storage::FileSystem> fs = options.file_system;
    if (fs == nullptr) {
        fs = std::make_shared<storage::PosixFileSystem>();
    }
    if (!options.debug_fsync_delay_file.empty()) {
        fs = std::make_shared<storage::DiskFaultFileSystem>(fs, options.debug_fsync_delay_file);
    }
    KEEL_RETURN_IF_ERROR(fs->CreateDir(options.data_dir));
    KEEL_RETURN_IF_ERROR(CheckMemberFile(*fs, options, self_name));
    KEEL_ASSIGN_OR_RETURN(
        storage::WalOpened opened,
        storage::Wal::Open(*fs, storage::JoinPath(options.data_dir, kWalDirName), options.wal));
    if (opened.repaired_tail.has_value()) {
        spdlog::warn("truncated a torn tail of the WAL (an interrupted write)");
    }
    storage::PosixFileSystem store_fs;  // the store is always on the real disk
    KEEL_ASSIGN_OR_RETURN(
        std::unique_ptr<kv::MvccStore> store,
        OpenStore(store_fs,
                  options.data_dir,
                  storage::JoinPath(options.data_dir, kStoreDirName),
                  opened.contents.snapshot,
                  kv::MvccStoreOptions{.txn_ops_max = options.limits.txn_ops_max}));
    spdlog::info("recovered: WAL holds entries up to {}, commit {}, store applied {}",
                 opened.wal->last_index().value(),
                 opened.contents.hard_state.commit.value(),
                 store->applied_index().value());
    KEEL_ASSIGN_OR_RETURN(
        raft::Restored restored,
        BuildRestored(std::move(opened.contents), options.cluster, store->applied_index()));
    const raft::Config config{.id = options.self,
                              .election_timeout_ticks = options.election_timeout_ticks,
                              .heartbeat_interval_ticks = options.heartbeat_interval_ticks,
                              .rng_seed = options.self.value() ^ RandomU64()};
    KEEL_ASSIGN_OR_RETURN(std::unique_ptr<raft::RawNode> raw,
                          raft::RawNode::Create(config, std::move(restored)));
    return std::unique_ptr<RaftNode>(new RaftNode(std::move(options),
                                                  std::move(fs),
                                                  std::move(opened.wal),
                                                  std::move(store),
                                                  std::move(raw)));
}

RaftNode::RaftNode(RaftNodeOptions options,
                   std::shared_ptr<storage::FileSystem> fs,
                   std::unique_ptr<storage::Wal> wal,
                   std::unique_ptr<kv::MvccStore> store,
                   std::unique_ptr<raft::RawNode> raw)
    : options_(std::move(options)),
      fs_(std::move(fs)),
      wal_(std::move(wal)),
      raw_(std::move(raw)),
      store_(std::move(store)),
      applied_(store_->applied_index()),
      next_read_id_(RandomU64()),
      lessor_([&] {
          LessorOptions lessor =
              LessorOptionsFor(options_.tick_interval, options_.election_timeout_ticks);
          lessor.checkpoint_interval = options_.lease_checkpoint_interval;
          return lessor;
      }()),
      db_size_bytes_(store_->ApproximateSizeBytes()),
      membership_(LoadMembership(*store_, options_.cluster)),
      next_request_id_(RandomU64()),
      compaction_points_(std::max<uint64_t>(
          1, (options_.snapshot_count + options_.snapshot_catchup_entries) / 256)),
      conf_(raw_->GetStatus().conf_state),
      flushed_applied_(applied_) {
    transport_ = std::make_unique<transport::PeerTransport>(
        transport::PeerTransportOptions{
            .group = {.cluster_id = options_.cluster.cluster_id, .shard = ShardId(1)},
            .self = options_.self},
        transport::PeerTransportCallbacks{
            .on_messages = DeliveryFor(
                options_, [this](std::vector<raft::Message> m) { OnMessages(std::move(m)); }),
            .on_unreachable = [this](NodeId peer) { OnUnreachable(peer); },
            .on_snapshot_sent =
                [this](NodeId peer, transport::SnapshotOutcome outcome) {
                    OnSnapshotSent(peer,
                                   outcome == transport::SnapshotOutcome::kDelivered
                                       ? raft::SnapshotStatus::kFinished
                                       : raft::SnapshotStatus::kFailed);
                }});
    checkpoint_sender_ = std::make_unique<CheckpointSender>(
        store_fs_,
        SnapshotDirPath(options_.data_dir),
        options_.snapshot_bytes_max,
        CheckpointSenderHooks{.create_checkpoint =
                                  [this](const std::string& dir) {
                                      std::lock_guard lock(store_mu_);
                                      return store_->CreateCheckpoint(dir);
                                  },
                              .send =
                                  [this](raft::Message m) {
                                      std::vector<raft::Message> one;
                                      one.push_back(std::move(m));
                                      transport_->Send(std::move(one));
                                  },
                              .failed =
                                  [this](NodeId peer) {
                                      OnSnapshotSent(peer, raft::SnapshotStatus::kFailed);
                                  }});
    membership_view_ = std::make_shared<const keel::v1::MembershipRecord>(membership_);
    removed_ = IsRemoved(membership_, options_.self);
    // Alarms raised before the restart (entries above the store's index replay on top).
    alarms_.Reset(LoadAlarms(*store_));
    PublishView();
}

RaftNode::~RaftNode() {
    Stop();
}

void RaftNode::Start() {
    KEEL_ASSERT(!started_);
    started_ = true;
    for (const auto& [id, address] : options_.known_peers) {
        if (id != options_.self) {
            transport_->AddPeer(id, address);
            peer_addresses_[id] = address;
        }
    }
    UpdatePeers();
    loop_thread_ = std::thread([this] { Loop(); });
}

void RaftNode::Stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    {
        std::lock_guard lock(inbox_mu_);
        stopping_ = true;
    }
    inbox_cv_.notify_all();
    if (loop_thread_.joinable()) {
        loop_thread_.join();
    }
    checkpoint_sender_->Stop();
    transport_->Stop();
    // The loop thread is gone: its tables and whatever is still queued are ours to answer.
    Inbox rest;
    {
        std::lock_guard lock(inbox_mu_);
        std::swap(rest, inbox_);
    }
    for (QueuedProposal& proposal : rest.proposals) {
        proposal.promise.set_value(StoppedError());
    }
    for (QueuedProposal& proposal : parked_) {
        proposal.promise.set_value(StoppedError());
    }
    parked_.clear();
    for (QueuedRead& read : rest.reads) {
        read.promise.set_value(StoppedError());
    }
    proposals_.FailAll(StoppedError());
    reads_.FailAll(StoppedError());
    // A commit-only hard state may still be buffered; a failure here is harmless (recovery
    // does not need it) but worth a line in the log.
    if (const absl::Status synced = wal_->Sync(); !synced.ok()) {
        spdlog::error("final WAL sync failed: {}", synced.ToString());
    }
}

absl::StatusOr<CommandResponse> RaftNode::Propose(keel::v1::Command command, Deadline deadline) {
    const PendingProposal pending(metrics_.proposals_pending);
    absl::StatusOr<CommandResponse> answer = ProposeUncounted(std::move(command), deadline);
    if (IsFailedProposal(answer.status())) {
        metrics_.proposals_failed.Add();
    }
    return answer;
}

void RaftNode::ProposeAsync(keel::v1::Command command,
                            Deadline deadline,
                            absl::AnyInvocable<void(absl::StatusOr<CommandResponse>)> done) {
    metrics_.proposals_pending.Add(1);
    EnqueueProposal(std::move(command),
                    deadline,
                    ProposalPromise([this, done = std::move(done)](
                                        absl::StatusOr<CommandResponse> answer) mutable {
                        metrics_.proposals_pending.Add(-1);
                        if (IsFailedProposal(answer.status())) {
                            metrics_.proposals_failed.Add();
                        }
                        done(std::move(answer));
                    }));
}

absl::StatusOr<CommandResponse> RaftNode::ProposeUncounted(keel::v1::Command command,
                                                           Deadline deadline) {
    ProposalPromise promise;
    std::future<absl::StatusOr<CommandResponse>> answer = promise.get_future();
    EnqueueProposal(std::move(command), deadline, std::move(promise));
    if (answer.wait_until(deadline) != std::future_status::ready) {
        return RequestTimeoutError();
    }
    return answer.get();
}

void RaftNode::EnqueueProposal(keel::v1::Command command,
                               Deadline deadline,
                               ProposalPromise answer) {
    if (removed()) {
        answer.set_value(MemberRemovedError());
        return;
    }
    if (disk_full_.load()) {
        answer.set_value(DiskFullError());
        return;
    }
    if (const absl::Status space = CheckSpace(command, deadline); !space.ok()) {
        answer.set_value(space);
        return;
    }
    command.set_request_id(next_request_id_.fetch_add(1));
    // The leader's stamp: session expiry reads time from entries only (docs/sessions.md).
    command.set_leader_time_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
    std::string data = command.SerializeAsString();
    if (data.size() > base::kEntryBytesMax) {
        answer.set_value(RequestTooLargeError());
        return;
    }
    absl::Status refused;
    {
        std::lock_guard lock(inbox_mu_);
        if (stopping_) {
            refused = StoppedError();
        } else if (inbox_.proposals.size() >= kProposalsQueuedMax) {
            refused = TooManyRequestsError();
        } else {
            inbox_.proposals.push_back(QueuedProposal{
                .data = std::move(data), .promise = std::move(answer), .deadline = deadline});
        }
    }
    if (!refused.ok()) {
        answer.set_value(refused);  // outside the lock: a callback may propose again
        return;
    }
    inbox_cv_.notify_one();
}

absl::Status RaftNode::WaitReadIndex(Deadline deadline) {
    if (removed()) {
        return MemberRemovedError();
    }
    if (disk_full_.load()) {
        return DiskFullError();
    }
    ReadPromise promise;
    std::future<absl::Status> answer = promise.get_future();
    {
        std::lock_guard lock(inbox_mu_);
        if (stopping_) {
            return StoppedError();
        }
        if (inbox_.reads.size() >= kReadsQueuedMax) {
            return TooManyRequestsError();
        }
        inbox_.reads.push_back(QueuedRead{.promise = std::move(promise), .deadline = deadline});
    }
    inbox_cv_.notify_one();
    if (answer.wait_until(deadline) != std::future_status::ready) {
        return RequestTimeoutError();
    }
    return answer.get();
}

absl::StatusOr<kv::RangeResponse> RaftNode::Range(const kv::RangeRequest& request) const {
    std::lock_guard lock(store_mu_);
    return store_->Range(request);
}

NodeView RaftNode::View() const {
    std::lock_guard lock(view_mu_);
    return view_;
}

absl::StatusOr<kv::HistoryResponse> RaftNode::History(const kv::HistoryRequest& request) const {
    std::lock_guard lock(store_mu_);
    return store_->History(request);
}

Revision RaftNode::compacted_revision() const {
    std::lock_guard lock(store_mu_);
    return store_->compacted_revision();
}

void RaftNode::SetApplyObserver(ApplyObserver* observer) {
    KEEL_ASSERT(!started_);
    apply_observer_ = observer;
}

Revision RaftNode::revision() const {
    std::lock_guard lock(store_mu_);
    return store_->revision();
}

uint64_t RaftNode::DbSizeBytes() const {
    std::lock_guard lock(store_mu_);
    return store_->ApproximateSizeBytes();
}

void RaftNode::OnMessages(std::vector<raft::Message> messages) {
    ReceiveSnapshots(messages);
    {
        std::lock_guard lock(inbox_mu_);
        if (stopping_) {
            return;
        }
        for (raft::Message& message : messages) {
            if (inbox_.messages.size() >= kInboundMessagesMax) {
                break;  // dropped: Raft retransmits by protocol
            }
            inbox_.messages.push_back(std::move(message));
        }
    }
    inbox_cv_.notify_one();
}

void RaftNode::OnUnreachable(NodeId peer) {
    {
        std::lock_guard lock(inbox_mu_);
        if (stopping_ || inbox_.unreachable.size() >= kMembersMax) {
            return;
        }
        inbox_.unreachable.push_back(peer);
    }
    inbox_cv_.notify_one();
}

void RaftNode::Loop() {
    Deadline next_tick = Clock::now() + options_.tick_interval;
    while (true) {
        Inbox inbox;
        {
            std::unique_lock lock(inbox_mu_);
            inbox_cv_.wait_until(lock, next_tick, [this] { return stopping_ || !inbox_.empty(); });
            if (stopping_) {
                return;
            }
            std::swap(inbox, inbox_);
        }
        const Deadline now = Clock::now();
        if (now >= next_tick) {
            raw_->Tick();
            // A loop that fell behind ticks once, not in a burst: a burst of ticks would start
            // elections the peers had no time to prevent.
            next_tick = std::max(next_tick + options_.tick_interval, now);
            TickLeases(now);
            TickSessions(now);
            proposals_.Expire(now);
            reads_.Expire(now);
            for (ReadWaiters::Unconfirmed& read :
                 reads_.TakeUnconfirmed(now - kReadIndexRetryInterval)) {
                QueuedRead again{.promise = std::move(read.promise), .deadline = read.deadline};
                ReadQueued(again);
            }
        }
        // Parked proposals first: they are older than anything in the inbox.
        ServeParked(now);
        HandleInbox(inbox);
        DrainReady();
    }
}

void RaftNode::HandleInbox(Inbox& inbox) {
    for (const raft::Message& message : inbox.messages) {
        if (const absl::Status stepped = raw_->Step(message); !stepped.ok()) {
            spdlog::warn("dropped a malformed message from member {:x}: {}",
                         message.from.value(),
                         stepped.ToString());
        }
    }
    for (const NodeId peer : inbox.unreachable) {
        raw_->ReportUnreachable(peer);
    }
    for (const auto& [peer, status] : inbox.snapshot_reports) {
        raw_->ReportSnapshot(peer, status);
    }
    for (QueuedProposal& proposal : inbox.proposals) {
        ProposeQueued(proposal);
    }
    for (QueuedRead& read : inbox.reads) {
        ReadQueued(read);
    }
    for (const NodeId target : inbox.transfers) {
        raw_->TransferLeadership(target);
    }
}

void RaftNode::ProposeQueued(QueuedProposal& proposal) {
    if (disk_full_.load()) {
        proposal.promise.set_value(DiskFullError());
        return;
    }
    if (raw_->leader().is_none()) {
        if (parked_.size() >= kProposalsQueuedMax) {
            proposal.promise.set_value(TooManyRequestsError());
            return;
        }
        parked_.push_back(std::move(proposal));
        return;
    }
    if (proposal.membership.has_value()) {
        ProposeMembershipQueued(proposal);
        return;
    }
    const raft::ProposeResult result = raw_->Propose(std::move(proposal.data));
    if (!result.ok()) {
        proposal.promise.set_value(ProposeErrorStatus(result));
        return;
    }
    proposals_.Add(result.index, result.term, std::move(proposal.promise), proposal.deadline);
}

void RaftNode::ServeParked(Deadline now) {
    if (parked_.empty()) {
        return;
    }
    std::deque<QueuedProposal> parked;
    std::swap(parked, parked_);
    for (QueuedProposal& proposal : parked) {
        if (proposal.deadline < now) {
            proposal.promise.set_value(RequestTimeoutError());
        } else {
            ProposeQueued(proposal);  // parks it again while there is still no leader
        }
    }
}

void RaftNode::ReadQueued(QueuedRead& read) {
    if (disk_full_.load()) {
        read.promise.set_value(DiskFullError());
        return;
    }
    // The context is unique in the whole group (the leader tracks reads from every member by
    // context) and across restarts of this member (the counter starts at a random value).
    std::string context = absl::StrCat(options_.self.value(), "/", next_read_id_++);
    reads_.Add(context, std::move(read.promise), read.deadline, Clock::now());
    raw_->ReadIndex(std::move(context));
}

void RaftNode::PublishView() {
    const raft::Status status = raw_->GetStatus();
    std::lock_guard lock(view_mu_);
    view_ = NodeView{.leader = status.soft_state.leader,
                     .role = status.soft_state.role,
                     .term = status.hard_state.term,
                     .commit = status.hard_state.commit,
                     .applied = applied_,
                     .last_index = status.last_index,
                     .is_learner = std::find(status.conf_state.learners.begin(),
                                             status.conf_state.learners.end(),
                                             options_.self)
                                   != status.conf_state.learners.end()};
}

}  // namespace keel::server
