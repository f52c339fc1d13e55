#include "server/server_metrics.h"

#include <string>

#include <nlohmann/json.hpp>

#include "base/assert.h"
#include "server/maintenance_service.h"

#ifndef KEEL_VERSION
#error "KEEL_VERSION is set by src/server/CMakeLists.txt from the project's version"
#endif

namespace keel::server {
namespace {

// The cluster version etcd reports next to a 3.4 server (major.minor.0).
constexpr char kClusterVersion[] = "3.4.0";

int64_t AsGauge(bool b) {
    return b ? 1 : 0;
}

int64_t AsGauge(uint64_t v) {
    return static_cast<int64_t>(v);
}

void RegisterRaftMetrics(MetricsRegistry& r, RaftNode& node) {
    r.AddGauge("etcd_server_has_leader",
               "Whether or not a leader exists. 1 is existence, 0 is not.",
               [&node] { return AsGauge(!node.View().leader.is_none()); });
    r.AddGauge("etcd_server_is_leader",
               "Whether or not this member is a leader. 1 if is, 0 otherwise.",
               [&node] { return AsGauge(node.View().role == raft::Role::kLeader); });
    r.AddGauge("etcd_server_is_learner",
               "Whether or not this member is a learner. 1 if is, 0 otherwise.",
               [&node] { return AsGauge(node.View().is_learner); });
    r.AddCounter("etcd_server_leader_changes_seen_total",
                 "The number of leader changes seen.",
                 node.metrics().leader_changes);
    // etcd's proposals_committed_total and proposals_applied_total are gauges of the
    // member's commit and applied index; dashboards subtract them.
    r.AddGauge("etcd_server_proposals_committed_total",
               "The total number of consensus proposals committed.",
               [&node] { return AsGauge(node.View().commit.value()); });
    r.AddGauge("etcd_server_proposals_applied_total",
               "The total number of consensus proposals applied.",
               [&node] { return AsGauge(node.View().applied.value()); });
    r.AddGauge("etcd_server_proposals_pending",
               "The current number of pending proposals to commit.",
               node.metrics().proposals_pending);
    r.AddCounter("etcd_server_proposals_failed_total",
                 "The total number of failed proposals seen.",
                 node.metrics().proposals_failed);
    r.AddGauge("keel_server_apply_lag_entries",
               "Committed entries this member has not applied yet (commit - applied index).",
               [&node] {
                   const NodeView view = node.View();
                   return AsGauge(view.commit.value() - view.applied.value());
               });
    r.AddGauge("keel_raft_term", "The member's current Raft term.", [&node] {
        return AsGauge(node.View().term.value());
    });
}

void RegisterDiskMetrics(MetricsRegistry& r, RaftNode& node, uint64_t quota_backend_bytes) {
    r.AddHistogram("etcd_disk_wal_fsync_duration_seconds",
                   "The latency distributions of fsync called by WAL.",
                   node.metrics().wal_fsync);
    r.AddHistogram("etcd_disk_backend_commit_duration_seconds",
                   "The latency distributions of commit called by backend.",
                   node.metrics().backend_commit);
    r.AddGauge("etcd_mvcc_db_total_size_in_bytes",
               "Total size of the underlying database physically allocated in bytes.",
               [&node] { return AsGauge(node.DbSizeBytes()); });
    r.AddGauge("etcd_server_quota_backend_bytes",
               "Current backend storage quota size in bytes.",
               [quota_backend_bytes] { return AsGauge(quota_backend_bytes); });
    r.AddGauge("keel_server_disk_full",
               "1 while the WAL's disk is full and the member accepts no writes.",
               [&node] { return AsGauge(node.disk_full()); });
}

void RegisterServiceMetrics(MetricsRegistry& r, const ServerMetricsSources& s) {
    r.AddGauge("etcd_debugging_mvcc_watch_stream_total",
               "Total number of watch streams.",
               s.watch_streams);
    const WatchHub* hub = s.watch_hub;
    r.AddGauge("etcd_debugging_mvcc_watcher_total", "Total number of watchers.", [hub] {
        return AsGauge(static_cast<uint64_t>(hub->stats().watchers));
    });
    r.AddGauge("etcd_debugging_mvcc_slow_watcher_total",
               "Total number of unsynced slow watchers.",
               [hub] { return AsGauge(static_cast<uint64_t>(hub->stats().unsynced_watchers)); });
    RaftNode* node = s.node;
    r.AddGauge("keel_lessor_leases",
               "Leases whose clocks this member keeps (the leader's lessor; 0 on followers).",
               [node] { return AsGauge(static_cast<uint64_t>(node->lessor().size())); });
    r.AddGauge("etcd_server_version",
               "Which version is running. 1 for 'server_version' label with current version.",
               [] { return int64_t{1}; },
               {{"server_version", kServerVersion}});
}

}  // namespace

void RegisterServerMetrics(MetricsRegistry& registry, const ServerMetricsSources& sources) {
    KEEL_ASSERT(sources.node != nullptr);
    KEEL_ASSERT(sources.watch_hub != nullptr);
    KEEL_ASSERT(sources.watch_streams != nullptr);
    RegisterRaftMetrics(registry, *sources.node);
    RegisterDiskMetrics(registry, *sources.node, sources.quota_backend_bytes);
    RegisterServiceMetrics(registry, sources);
}

HealthVerdict CheckMemberHealth(RaftNode& node, const HealthRequest& request) {
    HealthProbe probe{
        .has_leader = !node.View().leader.is_none(),
        .linearizable_read =
            [&node] { return node.WaitReadIndex(Clock::now() + kHealthReadTimeout); },
    };
    for (const etcdserverpb::AlarmMember& alarm : node.alarms().List()) {
        probe.alarms.push_back(etcdserverpb::AlarmType_Name(alarm.alarm()));
    }
    return CheckHealth(request, probe);
}

std::string VersionJson() {
    const nlohmann::json body = {
        {"etcdserver", kServerVersion}, {"etcdcluster", kClusterVersion}, {"keel", KEEL_VERSION}};
    return body.dump();
}

}  // namespace keel::server
