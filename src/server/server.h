// Server: one keeld process: a RaftNode plus its two gRPC servers.
//
//   client listener (--listen-client-urls): etcd's KV, Watch, Maintenance (Status), Cluster
//     (MemberList), Lock and Election services, for etcdctl and etcd clients (Lock and
//     Election call the member's own KV service through gRPC's in-process channel);
//   peer listener (--listen-peer-urls): keel.raft.v1 (the Raft transport) and etcd's KV
//     service again, which followers use to forward writes to the leader
//     (leader_forwarder.h);
//   metrics listeners (--listen-metrics-urls, optional): HTTP /metrics, /health and /version
//     (http_endpoint.h, server_metrics.h).
//
// Shutdown order: the node stops first (its waiting requests are answered "server stopped"),
// then both gRPC servers shut down (no handler is left blocked), then the store closes and
// flushes as the node is destroyed.
// Threading: Start and Shutdown from one thread (keeld's main); the rest runs on gRPC's
// threads and the node's loop thread.
// Invariant: the services outlive both gRPC servers, and the node outlives the services
// (member order: node_ first, servers last).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <absl/status/statusor.h>
#include <grpcpp/grpcpp.h>

#include "server/cluster_config.h"
#include "server/cluster_service.h"
#include "server/election_service.h"
#include "server/http_endpoint.h"
#include "server/key_waiter.h"
#include "server/kv_service.h"
#include "server/leader_forwarder.h"
#include "server/lease_service.h"
#include "server/local_kv_client.h"
#include "server/lock_service.h"
#include "server/maintenance_service.h"
#include "server/member_publisher.h"
#include "server/membership_peer_service.h"
#include "server/metrics_registry.h"
#include "server/raft_node.h"
#include "server/session_service.h"
#include "server/watch_hub.h"
#include "server/watch_service.h"
#include "storage/limits.h"

namespace keel::server {

struct ServerOptions {
    std::string name;
    std::string data_dir;
    std::vector<std::string> client_urls;  // as given, for MemberList
    std::vector<std::string> client_addresses;
    std::string peer_address;
    ClusterConfig cluster;
    InitialClusterState initial_state = InitialClusterState::kNew;
    std::chrono::milliseconds tick_interval{100};
    int election_timeout_ticks = 10;
    std::string debug_fsync_delay_file;     // testing only; see RaftNodeOptions
    std::string debug_peer_duplicate_file;  // testing only; see RaftNodeOptions
    RequestLimits limits;
    uint64_t quota_backend_bytes = kQuotaBackendBytesDefault;
    std::chrono::milliseconds lease_checkpoint_interval{std::chrono::minutes(5)};
    // See RaftNodeOptions.
    uint64_t snapshot_count = 10000;
    uint64_t snapshot_catchup_entries = 5000;
    uint64_t wal_segment_bytes = storage::kSegmentBytesDefault;
    // Called once when this member applies its own removal (keeld exits then, as etcd does).
    std::function<void()> on_removed;
    // How long a member joining a running cluster tries to reach it (member_join.h).
    std::chrono::milliseconds join_timeout{10000};
    // "host:port" listeners for /metrics, /health and /version (--listen-metrics-urls).
    std::vector<std::string> metrics_addresses;
};

class Server {
public:
    // Opens the node, binds both listeners and starts serving. Errors: the node's (see
    // RaftNode::Open), InvalidArgument if `name` is not in the cluster, Unavailable if a
    // listener cannot bind.
    static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options);

    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Stops serving and closes the node (see the class comment). Idempotent.
    void Shutdown();

private:
    explicit Server(std::unique_ptr<RaftNode> node, const ServerOptions& options);
    absl::Status Listen(const ServerOptions& options);
    // Registers the metrics and starts one HTTP listener per metrics address.
    absl::Status ServeHttp(const ServerOptions& options);

    std::unique_ptr<RaftNode> node_;
    WatchHub watch_hub_;
    LeaderForwarder forwarder_;
    KvService client_kv_;
    KvService peer_kv_;
    MaintenanceService maintenance_;
    // Followers forward lease calls and alarm changes to the leader's peer listener.
    LeaseService client_lease_;
    LeaseService peer_lease_;
    MaintenanceService peer_maintenance_;
    MembershipProposer membership_proposer_;
    MembershipPeerService membership_peer_;
    ClusterService cluster_;
    WatchService watch_;
    LocalKvClient local_kv_;
    KeyWaiter key_waiter_;
    LockService lock_;
    ElectionService election_;
    SessionService session_;
    // Followers forward session calls to the leader's peer listener.
    SessionService peer_session_;
    MemberPublisher publisher_;
    std::unique_ptr<grpc::Server> peer_server_;
    std::unique_ptr<grpc::Server> client_server_;
    // The /metrics page and its HTTP listeners (server_metrics.h, http_endpoint.h); the
    // listeners stop first in Shutdown, since their handlers read the node.
    MetricsRegistry metrics_;
    std::vector<std::unique_ptr<HttpEndpoint>> http_;
    bool shut_down_ = false;
};

}  // namespace keel::server
