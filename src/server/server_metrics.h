// The /metrics page of one keeld member: which metric families it has and where each number
// comes from. Names are etcd's where the meaning is the same, so etcd dashboards and alerts
// work unchanged; keel's own are keel_*. docs/server.md ("Metrics") lists them all.
//
// Levels the node already keeps (leader, term, commit and applied index, store size, watchers)
// are read when the page is rendered; only events are counted as they happen (NodeMetrics).
// Threading: RegisterServerMetrics once, on the thread that starts the server; the registry
// then renders from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "server/health_check.h"
#include "server/metrics_registry.h"
#include "server/raft_node.h"
#include "server/watch_hub.h"

namespace keel::server {

struct ServerMetricsSources {
    RaftNode* node = nullptr;
    const WatchHub* watch_hub = nullptr;
    std::function<int64_t()> watch_streams;
    uint64_t quota_backend_bytes = 0;
};

// Adds every family of the member's page to `registry`. Precondition: the sources outlive
// the registry.
void RegisterServerMetrics(MetricsRegistry& registry, const ServerMetricsSources& sources);

// How long /health waits for its linearizable read (etcd's QGET check waited a second).
inline constexpr std::chrono::milliseconds kHealthReadTimeout{1000};

// The member's /health verdict (health_check.h): its alarms, whether it knows a leader, and a
// ReadIndex round that must finish within kHealthReadTimeout. Blocks up to that long.
HealthVerdict CheckMemberHealth(RaftNode& node, const HealthRequest& request);

// The /version body: {"etcdserver":"3.4.23-keel","etcdcluster":"3.4.0","keel":"0.1.0"}.
std::string VersionJson();

}  // namespace keel::server
