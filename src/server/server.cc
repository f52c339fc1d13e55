#include "server/server.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <spdlog/spdlog.h>

#include "base/status.h"
#include "server/limits.h"
#include "server/member_join.h"
#include "server/server_metrics.h"

namespace keel::server {
namespace {

// How long in-flight calls may finish once the node has stopped (they are answering at once
// by then; this only bounds a stuck network write).
constexpr std::chrono::milliseconds kGrpcShutdownGrace{500};

// How many idle RPC threads the sync server keeps. A handler blocks until its entry applies, so
// every request in flight holds a thread; with gRPC's default (2) a thread that finishes exits
// and the next request starts a new one: a thread per request, ~7% of a member's CPU under 100
// clients (docs/benchmarks.md). Idle threads cost a stack's touched pages each.
constexpr int kRpcThreadsIdleMax = 1024;

absl::StatusOr<std::unique_ptr<grpc::Server>> BuildAndStart(
    grpc::ServerBuilder& builder,
    const std::vector<std::string>& addresses,
    std::vector<int>& ports) {
    ports.resize(addresses.size());
    for (size_t i = 0; i < addresses.size(); ++i) {
        builder.AddListeningPort(addresses[i], grpc::InsecureServerCredentials(), &ports[i]);
    }
    builder.SetMaxReceiveMessageSize(static_cast<int>(kClientMessageBytesMax));
    builder.SetMaxSendMessageSize(-1);
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                                kRpcThreadsIdleMax);
    std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    for (size_t i = 0; i < addresses.size(); ++i) {
        if (server == nullptr || ports[i] == 0) {
            return absl::UnavailableError(absl::StrCat("cannot listen on ", addresses[i]));
        }
    }
    return server;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
    KEEL_ASSIGN_OR_RETURN(MemberIdentity identity,
                          ResolveMemberIdentity(options.name,
                                                options.data_dir,
                                                options.cluster,
                                                options.initial_state,
                                                options.join_timeout));
    const NodeId self_id = identity.id;
    const uint64_t cluster_id = identity.bootstrap.cluster_id;
    KEEL_ASSIGN_OR_RETURN(std::unique_ptr<RaftNode> node,
                          RaftNode::Open(RaftNodeOptions{
                              .data_dir = options.data_dir,
                              .cluster = std::move(identity.bootstrap),
                              .self = self_id,
                              .initial_state = options.initial_state,
                              .tick_interval = options.tick_interval,
                              .election_timeout_ticks = options.election_timeout_ticks,
                              .wal = {.segment_bytes = options.wal_segment_bytes},
                              .debug_fsync_delay_file = options.debug_fsync_delay_file,
                              .debug_peer_duplicate_file = options.debug_peer_duplicate_file,
                              .quota_backend_bytes = options.quota_backend_bytes,
                              .lease_checkpoint_interval = options.lease_checkpoint_interval,
                              .limits = options.limits,
                              .snapshot_count = options.snapshot_count,
                              .snapshot_catchup_entries = options.snapshot_catchup_entries,
                              .self_name = options.name,
                              .known_peers = std::move(identity.known_peers),
                              .on_removed = options.on_removed,
                          }));
    if (node->removed()) {
        return absl::FailedPreconditionError(
            "etcdserver: the member has been permanently removed from the cluster");
    }
    std::unique_ptr<Server> server(new Server(std::move(node), options));
    KEEL_RETURN_IF_ERROR(server->Listen(options));
    KEEL_RETURN_IF_ERROR(server->ServeHttp(options));
    server->watch_hub_.Start();
    server->node_->Start();
    server->publisher_.Start();
    spdlog::info("member {} ({:x}) of cluster {:x} serving clients on {}, peers on {}",
                 options.name,
                 self_id.value(),
                 cluster_id,
                 absl::StrJoin(options.client_addresses, ","),
                 options.peer_address);
    return server;
}

Server::Server(std::unique_ptr<RaftNode> node, const ServerOptions& options)
    : node_(std::move(node)),
      watch_hub_(WatchHubOptions{
          .history = [this](const kv::HistoryRequest& r) { return node_->History(r); },
          .compacted_revision = [this] { return node_->compacted_revision(); },
          .initial_revision = node_->revision(),
      }),
      forwarder_([node = node_.get()](NodeId id) { return node->PeerAddress(id); }),
      client_kv_(*node_, forwarder_),
      peer_kv_(*node_, forwarder_),
      maintenance_(*node_),
      client_lease_(*node_, forwarder_),
      peer_lease_(*node_, forwarder_),
      peer_maintenance_(*node_),
      membership_proposer_(*node_),
      membership_peer_(*node_),
      cluster_(*node_, membership_proposer_),
      watch_(*node_, watch_hub_),
      key_waiter_(watch_hub_, local_kv_),
      lock_(local_kv_, key_waiter_),
      election_(local_kv_, key_waiter_),
      session_(*node_, forwarder_),
      peer_session_(*node_, forwarder_),
      publisher_(*node_, membership_proposer_, options.name, options.client_urls) {
    node_->SetApplyObserver(&watch_hub_);
}

absl::Status Server::Listen(const ServerOptions& options) {
    std::vector<int> ports;
    grpc::ServerBuilder peer_builder;
    peer_builder.RegisterService(node_->peer_service());
    peer_builder.RegisterService(&peer_kv_);
    peer_builder.RegisterService(&peer_lease_);
    peer_builder.RegisterService(&peer_maintenance_);
    peer_builder.RegisterService(&membership_peer_);
    peer_builder.RegisterService(&peer_session_);
    KEEL_ASSIGN_OR_RETURN(peer_server_, BuildAndStart(peer_builder, {options.peer_address}, ports));
    grpc::ServerBuilder client_builder;
    client_builder.RegisterService(&client_kv_);
    client_builder.RegisterService(&maintenance_);
    client_builder.RegisterService(&cluster_);
    client_builder.RegisterService(&client_lease_);
    client_builder.RegisterService(&watch_);
    client_builder.RegisterService(&lock_);
    client_builder.RegisterService(&election_);
    client_builder.RegisterService(&session_);
    KEEL_ASSIGN_OR_RETURN(client_server_,
                          BuildAndStart(client_builder, options.client_addresses, ports));
    local_kv_.Connect(client_server_->InProcessChannel(grpc::ChannelArguments()));
    return absl::OkStatus();
}

absl::Status Server::ServeHttp(const ServerOptions& options) {
    if (options.metrics_addresses.empty()) {
        return absl::OkStatus();
    }
    RegisterServerMetrics(metrics_,
                          ServerMetricsSources{
                              .node = node_.get(),
                              .watch_hub = &watch_hub_,
                              .watch_streams = [this] { return watch_.streams(); },
                              .quota_backend_bytes = options.quota_backend_bytes,
                          });
    for (const std::string& address : options.metrics_addresses) {
        KEEL_ASSIGN_OR_RETURN(
            std::unique_ptr<HttpEndpoint> endpoint,
            HttpEndpoint::Start(address,
                                HttpHandlers{
                                    .metrics = [this] { return metrics_.Render(); },
                                    .health =
                                        [this](const HealthRequest& request) {
                                            return CheckMemberHealth(*node_, request);
                                        },
                                    .version_json = VersionJson(),
                                }));
        spdlog::info("serving /metrics, /health and /version on {}", address);
        http_.push_back(std::move(endpoint));
    }
    return absl::OkStatus();
}

Server::~Server() {
    Shutdown();
}

void Server::Shutdown() {
    if (shut_down_) {
        return;
    }
    shut_down_ = true;
    http_.clear();  // no handler runs past here
    publisher_.Stop();
    node_->Stop();
    const auto deadline = std::chrono::system_clock::now() + kGrpcShutdownGrace;
    if (client_server_ != nullptr) {
        client_server_->Shutdown(deadline);
    }
    if (peer_server_ != nullptr) {
        peer_server_->Shutdown(deadline);
    }
    watch_hub_.Stop();
    spdlog::info("stopped serving");
}

}  // namespace keel::server
