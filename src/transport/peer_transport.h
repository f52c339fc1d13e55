// PeerTransport: Raft messages between the members of one group over gRPC streams.
//
// Outbound, each peer has a bounded queue and a sender thread that owns one long-lived
// `RaftTransport.Send` client stream. The thread drains whatever has queued up into one
// checksummed envelope (batching falls out of the queue: the busier the node, the bigger the
// batches). Messages that carry a snapshot go through `SendSnapshot` in chunks instead, so a
// large snapshot never delays heartbeats. Raft tolerates lost messages, so the transport never
// retries a message: when a stream breaks or a queue is full, messages are dropped and the owner
// hears `on_unreachable(peer)` (RawNode::ReportUnreachable), and the stream reconnects with
// exponential backoff.
//
// Inbound, `service()` is registered with the node's gRPC server; every batch that passes its
// checksum and names this group is handed to `on_messages` on a gRPC thread.
//
// Threading: Send/AddPeer/RemovePeer are thread-safe and never block on the network. The
// callbacks run on transport threads; they must be quick and thread-safe (enqueue and return).
// Invariant: a peer's queue holds at most queue_msgs_max messages.
// Invariant: after Stop() returns no callback runs and no thread of this object is alive.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "keel/raft/v1/raft.grpc.pb.h"
#include "raft/types.h"
#include "transport/message_codec.h"

namespace keel::transport {

enum class SnapshotOutcome : uint8_t {
    kDelivered = 0,
    kFailed = 1,
};

struct PeerTransportOptions {
    GroupAddress group;
    NodeId self;
    // The most messages queued for one peer before new ones are dropped.
    size_t queue_msgs_max = 4096;
    // The most message bytes one envelope carries (a single larger message still goes alone).
    size_t batch_bytes_max = 4 * 1024 * 1024;
    size_t snapshot_chunk_bytes = 1024 * 1024;
    // The largest snapshot payload a receiver assembles in memory.
    size_t snapshot_bytes_max = 512 * 1024 * 1024;
    std::chrono::milliseconds reconnect_backoff_min{50};
    std::chrono::milliseconds reconnect_backoff_max{2000};
};

struct PeerTransportCallbacks {
    std::function<void(std::vector<raft::Message>)> on_messages;
    std::function<void(NodeId)> on_unreachable;
    std::function<void(NodeId, SnapshotOutcome)> on_snapshot_sent;
};

// Counters, for /metrics and tests.
struct PeerTransportStats {
    uint64_t batches_sent = 0;
    uint64_t messages_sent = 0;
    uint64_t messages_dropped = 0;
    uint64_t batches_received = 0;
    uint64_t batches_rejected = 0;  // bad checksum, malformed, or another group's
    uint64_t snapshots_sent = 0;
    uint64_t snapshots_received = 0;
};

class PeerTransport {
public:
    PeerTransport(PeerTransportOptions options, PeerTransportCallbacks callbacks);
    ~PeerTransport();
    PeerTransport(const PeerTransport&) = delete;
    PeerTransport& operator=(const PeerTransport&) = delete;

    // Starts (or re-points) the sender for `peer` at `address` ("host:port").
    void AddPeer(NodeId peer, const std::string& address);
    void RemovePeer(NodeId peer);

    // Enqueues each message for its `to` peer. Messages to unknown peers are dropped and
    // reported unreachable. Never blocks on the network.
    void Send(std::vector<raft::Message> messages);

    // The inbound half, to register with a grpc::ServerBuilder before the server starts.
    grpc::Service* service();

    PeerTransportStats stats() const;

    // Stops every sender thread and refuses further inbound batches. Idempotent.
    void Stop();

private:
    class Peer;
    class Inbound;

    void ReportUnreachable(NodeId peer);
    void ReportSnapshot(NodeId peer, SnapshotOutcome outcome);

    const PeerTransportOptions options_;
    const PeerTransportCallbacks callbacks_;
    std::unique_ptr<Inbound> inbound_;

    mutable std::mutex mu_;
    std::map<NodeId, std::unique_ptr<Peer>> peers_;  // guarded by mu_
    std::atomic<bool> stopped_{false};

    struct AtomicStats {
        std::atomic<uint64_t> batches_sent{0};
        std::atomic<uint64_t> messages_sent{0};
        std::atomic<uint64_t> messages_dropped{0};
        std::atomic<uint64_t> batches_received{0};
        std::atomic<uint64_t> batches_rejected{0};
        std::atomic<uint64_t> snapshots_sent{0};
        std::atomic<uint64_t> snapshots_received{0};
    };

    AtomicStats stats_;
};

}  // namespace keel::transport
