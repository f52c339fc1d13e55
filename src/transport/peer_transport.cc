#include "transport/peer_transport.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <thread>

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/crc32c.h"

namespace keel::transport {
namespace {

size_t ApproxBytes(const raft::Message& m) {
    size_t bytes = 64 + m.context.size();
    for (const raft::Entry& e : m.entries) {
        bytes += 24 + e.data.size();
    }
    return bytes;
}

}  // namespace

// ---- outbound ----

// One peer's sender: a bounded queue drained by a thread that owns the peer's client streams.
// Invariant: queue_.size() <= options.queue_msgs_max.
// Invariant: at most one snapshot transfer to this peer is in flight.
class PeerTransport::Peer {
public:
    Peer(PeerTransport* owner, NodeId id, const std::string& address)
        : owner_(owner),
          id_(id),
          stub_(pb::RaftTransport::NewStub(
              grpc::CreateChannel(address, grpc::InsecureChannelCredentials()))),
          thread_([this] { Run(); }) {}

    ~Peer() { Stop(); }

    // False if the queue is full (the message is dropped).
    bool Enqueue(raft::Message m) {
        std::lock_guard lock(mu_);
        if (stopping_ || queue_.size() >= owner_->options_.queue_msgs_max) {
            return false;
        }
        queue_.push_back(std::move(m));
        cv_.notify_one();
        return true;
    }

    void Stop() {
        {
            std::lock_guard lock(mu_);
            if (stopping_) {
                return;
            }
            stopping_ = true;
            if (stream_ctx_ != nullptr) {
                stream_ctx_->TryCancel();
            }
            if (snapshot_ctx_ != nullptr) {
                snapshot_ctx_->TryCancel();
            }
            cv_.notify_all();
        }
        thread_.join();
        if (snapshot_thread_.joinable()) {
            snapshot_thread_.join();
        }
    }

private:
    void Run() {
        auto backoff = owner_->options_.reconnect_backoff_min;
        while (!IsStopping()) {
            const bool wrote_any = RunStream();
            if (IsStopping()) {
                break;
            }
            backoff = wrote_any ? owner_->options_.reconnect_backoff_min
                                : std::min(backoff * 2, owner_->options_.reconnect_backoff_max);
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, backoff, [this] { return stopping_; });
        }
    }

    // Opens one Send stream and writes batches until it breaks or the peer stops. Returns true
    // if at least one batch was written.
    bool RunStream() {
        grpc::ClientContext ctx;
        {
            std::lock_guard lock(mu_);
            if (stopping_) {
                return false;
            }
            stream_ctx_ = &ctx;
        }
        pb::SendAck ack;
        std::unique_ptr<grpc::ClientWriter<pb::Envelope>> writer = stub_->Send(&ctx, &ack);
        bool wrote_any = false;
        for (;;) {
            std::vector<raft::Message> batch = TakeBatch();
            if (batch.empty()) {
                break;  // stopping
            }
            std::vector<raft::Message> plain = DivertSnapshots(std::move(batch));
            if (plain.empty()) {
                continue;
            }
            const size_t count = plain.size();
            if (!writer->Write(EncodeEnvelope(owner_->options_.group, plain))) {
                owner_->stats_.messages_dropped += count;
                owner_->ReportUnreachable(id_);
                break;
            }
            wrote_any = true;
            owner_->stats_.batches_sent++;
            owner_->stats_.messages_sent += count;
        }
        writer->WritesDone();
        (void)writer->Finish();
        std::lock_guard lock(mu_);
        stream_ctx_ = nullptr;
        return wrote_any;
    }

    // Waits for messages and takes up to batch_bytes_max of them (at least one). Returns an
    // empty batch only when stopping.
    std::vector<raft::Message> TakeBatch() {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        std::vector<raft::Message> batch;
        if (stopping_) {
            return batch;
        }
        size_t bytes = 0;
        while (!queue_.empty()
               && (batch.empty()
                   || bytes + ApproxBytes(queue_.front()) <= owner_->options_.batch_bytes_max)) {
            bytes += ApproxBytes(queue_.front());
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        return batch;
    }

    // Starts a chunked transfer for each snapshot message and returns the others, in order.
    std::vector<raft::Message> DivertSnapshots(std::vector<raft::Message> batch) {
        std::vector<raft::Message> plain;
        plain.reserve(batch.size());
        for (raft::Message& m : batch) {
            if (m.snapshot.has_value() && !m.snapshot->is_empty()) {
                StartSnapshot(std::move(m));
            } else {
                plain.push_back(std::move(m));
            }
        }
        return plain;
    }

    void StartSnapshot(raft::Message m) {
        std::lock_guard lock(mu_);
        if (snapshot_busy_ || stopping_) {
            owner_->ReportSnapshot(id_, SnapshotOutcome::kFailed);
            return;
        }
        if (snapshot_thread_.joinable()) {
            snapshot_thread_.join();  // the previous transfer has finished (not busy)
        }
        snapshot_busy_ = true;
        snapshot_thread_ = std::thread([this, msg = std::move(m)]() mutable {
            const bool ok = SendSnapshot(std::move(msg));
            owner_->ReportSnapshot(id_,
                                   ok ? SnapshotOutcome::kDelivered : SnapshotOutcome::kFailed);
            std::lock_guard done(mu_);
            snapshot_busy_ = false;
        });
    }

    bool SendSnapshot(raft::Message m) {
        grpc::ClientContext ctx;
        {
            std::lock_guard lock(mu_);
            if (stopping_) {
                return false;
            }
            snapshot_ctx_ = &ctx;
        }
        std::string data = std::move(m.snapshot->data);
        m.snapshot->data.clear();
        pb::SnapshotAck ack;
        auto writer = stub_->SendSnapshot(&ctx, &ack);
        const size_t chunk_bytes = owner_->options_.snapshot_chunk_bytes;
        bool ok = true;
        size_t offset = 0;
        do {
            pb::SnapshotChunk chunk;
            chunk.set_cluster_id(owner_->options_.group.cluster_id);
            chunk.set_shard_id(owner_->options_.group.shard.value());
            if (offset == 0) {
                EncodeMessage(m, chunk.mutable_header());
            }
            const size_t n = std::min(chunk_bytes, data.size() - offset);
            chunk.set_offset(offset);
            chunk.set_data(data.substr(offset, n));
            chunk.set_masked_crc32c(base::MaskCrc(base::Crc32c(chunk.data())));
            offset += n;
            chunk.set_last(offset == data.size());
            ok = writer->Write(chunk);
        } while (ok && offset < data.size());
        writer->WritesDone();
        const grpc::Status status = writer->Finish();
        std::lock_guard lock(mu_);
        snapshot_ctx_ = nullptr;
        if (ok && status.ok()) {
            owner_->stats_.snapshots_sent++;
        }
        return ok && status.ok();
    }

    bool IsStopping() {
        std::lock_guard lock(mu_);
        return stopping_;
    }

    PeerTransport* const owner_;
    const NodeId id_;
    const std::unique_ptr<pb::RaftTransport::Stub> stub_;

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<raft::Message> queue_;              // guarded by mu_
    bool stopping_ = false;                        // guarded by mu_
    grpc::ClientContext* stream_ctx_ = nullptr;    // guarded by mu_
    grpc::ClientContext* snapshot_ctx_ = nullptr;  // guarded by mu_
    bool snapshot_busy_ = false;                   // guarded by mu_
    std::thread snapshot_thread_;                  // guarded by mu_
    std::thread thread_;                           // last: starts after the members above
};

// ---- inbound ----

class PeerTransport::Inbound final : public pb::RaftTransport::Service {
public:
    explicit Inbound(PeerTransport* owner) : owner_(owner) {}

    grpc::Status Send(grpc::ServerContext* /*ctx*/,
                      grpc::ServerReader<pb::Envelope>* reader,
                      pb::SendAck* /*ack*/) override {
        pb::Envelope envelope;
        while (reader->Read(&envelope)) {
            if (owner_->stopped_) {
                return grpc::Status(grpc::StatusCode::UNAVAILABLE, "transport stopped");
            }
            absl::StatusOr<DecodedBatch> batch = DecodeEnvelope(envelope);
            if (!batch.ok()) {
                // A corrupt batch is dropped, not fatal: Raft retransmits what it needs.
                owner_->stats_.batches_rejected++;
                continue;
            }
            if (batch->group != owner_->options_.group) {
                owner_->stats_.batches_rejected++;
                return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                    absl::StrFormat("batch for cluster %d shard %d reached "
                                                    "cluster %d shard %d",
                                                    batch->group.cluster_id,
                                                    batch->group.shard.value(),
                                                    owner_->options_.group.cluster_id,
                                                    owner_->options_.group.shard.value()));
            }
            owner_->stats_.batches_received++;
            owner_->callbacks_.on_messages(std::move(batch->messages));
        }
        return grpc::Status::OK;
    }

    grpc::Status SendSnapshot(grpc::ServerContext* /*ctx*/,
                              grpc::ServerReader<pb::SnapshotChunk>* reader,
                              pb::SnapshotAck* ack) override {
        pb::SnapshotChunk chunk;
        std::optional<raft::Message> header;
        std::string data;
        while (reader->Read(&chunk)) {
            const grpc::Status status = Accept(chunk, header, data);
            if (!status.ok()) {
                owner_->stats_.batches_rejected++;
                return status;
            }
            if (chunk.last()) {
                header->snapshot->data = std::move(data);
                ack->set_bytes_received(header->snapshot->data.size());
                owner_->stats_.snapshots_received++;
                std::vector<raft::Message> one;
                one.push_back(std::move(*header));
                owner_->callbacks_.on_messages(std::move(one));
                return grpc::Status::OK;
            }
        }
        return grpc::Status(grpc::StatusCode::ABORTED,
                            "snapshot stream ended before its last chunk");
    }

private:
    // Checks one chunk against the transfer so far and appends its data.
    grpc::Status Accept(const pb::SnapshotChunk& chunk,
                        std::optional<raft::Message>& header,
                        std::string& data) {
        const GroupAddress group{.cluster_id = chunk.cluster_id(),
                                 .shard = ShardId(chunk.shard_id())};
        if (group != owner_->options_.group) {
            return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                "snapshot chunk for another cluster or shard");
        }
        if (chunk.offset() != data.size()) {
            return grpc::Status(
                grpc::StatusCode::INVALID_ARGUMENT,
                absl::StrFormat(
                    "snapshot chunk at offset %d, expected %d", chunk.offset(), data.size()));
        }
        if (base::Crc32c(chunk.data()) != base::UnmaskCrc(chunk.masked_crc32c())) {
            return grpc::Status(
                grpc::StatusCode::DATA_LOSS,
                absl::StrFormat("snapshot chunk at offset %d fails its checksum", chunk.offset()));
        }
        if (data.size() + chunk.data().size() > owner_->options_.snapshot_bytes_max) {
            return grpc::Status(
                grpc::StatusCode::RESOURCE_EXHAUSTED,
                absl::StrFormat("snapshot exceeds %d bytes", owner_->options_.snapshot_bytes_max));
        }
        if (chunk.offset() == 0) {
            absl::StatusOr<raft::Message> decoded = DecodeMessage(chunk.header());
            if (!decoded.ok() || decoded->type != raft::MessageType::kSnapshot
                || !decoded->snapshot.has_value()) {
                return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                    "first snapshot chunk lacks a valid snapshot message");
            }
            header = std::move(*decoded);
        }
        data.append(chunk.data());
        return grpc::Status::OK;
    }

    PeerTransport* const owner_;
};

// ---- PeerTransport ----

PeerTransport::PeerTransport(PeerTransportOptions options, PeerTransportCallbacks callbacks)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      inbound_(std::make_unique<Inbound>(this)) {
    KEEL_ASSERT(callbacks_.on_messages != nullptr);
    KEEL_ASSERT(callbacks_.on_unreachable != nullptr);
    KEEL_ASSERT(callbacks_.on_snapshot_sent != nullptr);
    KEEL_ASSERT(options_.snapshot_chunk_bytes > 0);
}

PeerTransport::~PeerTransport() {
    Stop();
}

void PeerTransport::AddPeer(NodeId peer, const std::string& address) {
    KEEL_ASSERT(peer != options_.self);
    std::unique_ptr<Peer> old;
    {
        std::lock_guard lock(mu_);
        if (stopped_) {
            return;
        }
        old = std::exchange(peers_[peer], std::make_unique<Peer>(this, peer, address));
    }
    // Stop the replaced sender outside the lock: its thread may be reporting through us.
}

void PeerTransport::RemovePeer(NodeId peer) {
    std::unique_ptr<Peer> old;
    {
        std::lock_guard lock(mu_);
        auto it = peers_.find(peer);
        if (it == peers_.end()) {
            return;
        }
        old = std::move(it->second);
        peers_.erase(it);
    }
}

void PeerTransport::Send(std::vector<raft::Message> messages) {
    std::vector<NodeId> unreachable;
    {
        std::lock_guard lock(mu_);
        for (raft::Message& m : messages) {
            const NodeId to = m.to;
            auto it = peers_.find(to);
            if (stopped_ || it == peers_.end() || !it->second->Enqueue(std::move(m))) {
                stats_.messages_dropped++;
                unreachable.push_back(to);
            }
        }
    }
    std::sort(unreachable.begin(), unreachable.end());
    unreachable.erase(std::unique(unreachable.begin(), unreachable.end()), unreachable.end());
    for (NodeId peer : unreachable) {
        ReportUnreachable(peer);
    }
}

grpc::Service* PeerTransport::service() {
    return inbound_.get();
}

PeerTransportStats PeerTransport::stats() const {
    return PeerTransportStats{.batches_sent = stats_.batches_sent,
                              .messages_sent = stats_.messages_sent,
                              .messages_dropped = stats_.messages_dropped,
                              .batches_received = stats_.batches_received,
                              .batches_rejected = stats_.batches_rejected,
                              .snapshots_sent = stats_.snapshots_sent,
                              .snapshots_received = stats_.snapshots_received};
}

void PeerTransport::Stop() {
    std::map<NodeId, std::unique_ptr<Peer>> peers;
    {
        std::lock_guard lock(mu_);
        if (stopped_.exchange(true)) {
            return;
        }
        peers.swap(peers_);
    }
    for (auto& [id, peer] : peers) {
        peer->Stop();
    }
}

void PeerTransport::ReportUnreachable(NodeId peer) {
    if (!stopped_) {
        callbacks_.on_unreachable(peer);
    }
}

void PeerTransport::ReportSnapshot(NodeId peer, SnapshotOutcome outcome) {
    if (!stopped_) {
        callbacks_.on_snapshot_sent(peer, outcome);
    }
}

}  // namespace keel::transport
