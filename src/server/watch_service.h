// WatchService: etcd's Watch gRPC service (one bidirectional stream per client connection,
// many watchers per stream) on this member's watch hub.
//
// Watches are served from this member's applied state, as etcd serves them: no Raft round
// trip, and a follower's watchers see each change once it has applied it.
//
// Each stream has two threads: gRPC's handler thread writes responses from the stream's
// WatchOutbox, and a reader thread it starts handles the client's create, cancel and progress
// requests. The hub fills the outbox from its own thread, so neither apply nor other streams
// ever wait for this client.
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/metrics_registry.h"
#include "server/raft_node.h"
#include "server/watch_hub.h"
#include "server/watch_outbox.h"

namespace keel::server {

// The bounds of one stream's outbox (per watcher).
inline constexpr size_t kWatcherPendingEventsMax = 16384;
inline constexpr size_t kWatcherPendingBytesMax = 16 * 1024 * 1024;
// The most messages the writer takes from the outbox at once, and the most events and bytes
// it merges into one response of one watcher (below gRPC's default 4 MiB receive limit).
inline constexpr size_t kWriterBatchMessagesMax = 4096;
inline constexpr size_t kWriterMergedEventsMax = 1024;
inline constexpr size_t kWriterMergedBytesMax = 1024 * 1024;

// Splits `response` into responses of at most about `bytes_max` each, at event boundaries,
// marking all but the last as fragments (etcd's sendFragments). A response with fewer than
// two events, or small enough, is returned whole. Pure.
std::vector<etcdserverpb::WatchResponse> Fragment(const etcdserverpb::WatchResponse& response,
                                                  size_t bytes_max);

class WatchService final : public etcdserverpb::Watch::Service {
public:
    WatchService(const RaftNode& node, WatchHub& hub) : node_(node), hub_(hub) {}

    grpc::Status Watch(grpc::ServerContext* context,
                       grpc::ServerReaderWriter<etcdserverpb::WatchResponse,
                                                etcdserverpb::WatchRequest>* stream) override;

    // Watch streams open now (for /metrics).
    int64_t streams() const { return streams_.value(); }

private:
    // Reader thread: one client request.
    void Handle(const etcdserverpb::WatchRequest& request, WatchOutbox& outbox);
    // Writer thread: one message to wire responses.
    std::vector<etcdserverpb::WatchResponse> ToResponses(const WatchMessage& message) const;

    const RaftNode& node_;
    WatchHub& hub_;
    Gauge streams_;
};

}  // namespace keel::server
