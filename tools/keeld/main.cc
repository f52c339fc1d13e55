// keeld: the keel server. One member of a static three- (or one-, five-, seven-) member
// cluster, serving etcd's v3 KV API. Flags follow etcd's names so that muscle memory works:
//
//   keeld --name=a --data-dir=data/a --listen-client-urls=http://127.0.0.1:2379
//         --listen-peer-urls=http://127.0.0.1:2380
//         --initial-cluster=a=http://127.0.0.1:2380,b=http://127.0.0.1:2480,c=...
//
// Logs go to stderr. SIGTERM or SIGINT shuts down cleanly (docs/server.md); SIGKILL is safe
// too: everything acknowledged is in the WAL.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/synchronization/mutex.h>
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "base/limits.h"
#include "base/status.h"
#include "kv/limits.h"
#include "server/cluster_config.h"
#include "server/server.h"
#include "storage/limits.h"

namespace keel::server {
namespace {

struct Flags {
    std::string name = "default";
    std::string data_dir;
    std::string listen_client_urls = "http://127.0.0.1:2379";
    std::string listen_peer_urls = "http://127.0.0.1:2380";
    std::string initial_cluster;
    std::string initial_cluster_state = "new";
    std::string initial_cluster_token;
    int tick_ms = 100;
    int election_ticks = 10;
    uint64_t snapshot_count = 10000;
    uint64_t snapshot_catchup_entries = 5000;
    uint64_t wal_segment_bytes = keel::storage::kSegmentBytesDefault;
    std::string log_level = "info";
    std::string debug_peer_dial;
    std::string debug_fsync_delay_file;
    std::string debug_peer_duplicate_file;
    std::string listen_metrics_urls;
    int64_t quota_backend_bytes = 0;
    int64_t max_request_bytes = static_cast<int64_t>(base::kRequestBytesMax);
    int64_t max_txn_ops = static_cast<int64_t>(kv::kTxnOpsMaxDefault);
    int64_t lease_checkpoint_interval_ms = 5 * 60 * 1000;
};

void AddFlags(CLI::App& app, Flags& flags) {
    app.add_option("--name", flags.name, "this member's name in --initial-cluster");
    app.add_option("--data-dir", flags.data_dir, "WAL and store directory (default: NAME.keel)");
    app.add_option("--listen-client-urls",
                   flags.listen_client_urls,
                   "comma-separated http://host:port URLs for etcd clients");
    app.add_option("--listen-peer-urls",
                   flags.listen_peer_urls,
                   "the http://host:port URL for the other members");
    app.add_option("--listen-metrics-urls",
                   flags.listen_metrics_urls,
                   "comma-separated http://host:port URLs serving /metrics, /health and "
                   "/version over HTTP (default: none)");
    app.add_option("--initial-cluster",
                   flags.initial_cluster,
                   "name=http://host:port,... for every member (default: NAME=peer URL)");
    app.add_option("--initial-cluster-state",
                   flags.initial_cluster_state,
                   "new (bootstrap or restart) or existing (restart, or join a running cluster "
                   "after `etcdctl member add`)")
        ->check(CLI::IsMember({"new", "existing"}));
    app.add_option("--initial-cluster-token",
                   flags.initial_cluster_token,
                   "mixed into the cluster id of a new cluster (default: none), so that clusters "
                   "with the same --initial-cluster are told apart");
    app.add_option("--tick-ms", flags.tick_ms, "Raft tick interval in milliseconds")
        ->check(CLI::Range(1, 10000));
    app.add_option("--election-ticks",
                   flags.election_ticks,
                   "election timeout in ticks (randomized up to twice this)")
        ->check(CLI::Range(2, 1000));
    app.add_option("--snapshot-count",
                   flags.snapshot_count,
                   "applied entries between snapshots (log compactions)")
        ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
    app.add_option("--snapshot-catchup-entries",
                   flags.snapshot_catchup_entries,
                   "entries kept in the log behind a snapshot for slow followers");
    app.add_option("--wal-segment-bytes", flags.wal_segment_bytes, "size of each WAL segment file")
        ->check(CLI::Range(uint64_t{2 * keel::base::kEntryBytesMax + 65536},
                           keel::storage::kSegmentBytesMax));
    app.add_option("--log-level", flags.log_level, "trace, debug, info, warn or error");
    app.add_option("--debug-peer-dial",
                   flags.debug_peer_dial,
                   "testing only: name=host:port,... dials these members at these addresses "
                   "instead of their --initial-cluster URLs (the chaos harness's fault proxies)");
    app.add_option("--debug-fsync-delay-file",
                   flags.debug_fsync_delay_file,
                   "testing only: every WAL fsync first sleeps the milliseconds this file holds, "
                   "or fails with EIO if it holds `eio` (disk faults the chaos harness switches "
                   "at run time)");
    app.add_option("--debug-peer-duplicate-file",
                   flags.debug_peer_duplicate_file,
                   "testing only: the parts per million of received peer message batches this "
                   "file holds are delivered twice, the copy after the next batch (duplicated "
                   "peer traffic the chaos harness switches at run time)");
    app.add_option("--quota-backend-bytes",
                   flags.quota_backend_bytes,
                   "raise the NOSPACE alarm when the store exceeds this (0: 2 GiB, etcd's default)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--max-request-bytes",
                   flags.max_request_bytes,
                   "the largest client request (at most the default, 1.5 MiB)")
        ->check(CLI::Range(int64_t{1}, static_cast<int64_t>(base::kRequestBytesMax)));
    app.add_option("--max-txn-ops", flags.max_txn_ops, "the most operations in a txn")
        ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
    app.add_option("--lease-checkpoint-interval-ms",
                   flags.lease_checkpoint_interval_ms,
                   "how often the leader checkpoints the remaining TTL of longer leases")
        ->check(CLI::Range(int64_t{100}, int64_t{24} * 3600 * 1000));
}

// Applies --debug-peer-dial: only the address this member dials changes, not the member's URL,
// so the cluster id (a hash of --initial-cluster) is the same on every member.
absl::Status ApplyPeerDialOverrides(const std::string& flag, ClusterConfig& cluster) {
    for (absl::string_view item : absl::StrSplit(flag, ',', absl::SkipWhitespace())) {
        const std::vector<std::string> parts = absl::StrSplit(item, absl::MaxSplits('=', 1));
        Member* member = nullptr;
        for (Member& m : cluster.members) {
            member = m.name == parts[0] ? &m : member;
        }
        if (parts.size() != 2 || member == nullptr) {
            return absl::InvalidArgumentError(
                absl::StrCat("--debug-peer-dial entry is not member=host:port: ", item));
        }
        member->peer_address = parts[1];
    }
    return absl::OkStatus();
}

absl::StatusOr<ServerOptions> ToOptions(const Flags& flags) {
    ServerOptions options{
        .name = flags.name,
        .data_dir = flags.data_dir.empty() ? flags.name + ".keel" : flags.data_dir,
        .tick_interval = std::chrono::milliseconds(flags.tick_ms),
        .election_timeout_ticks = flags.election_ticks,
        .debug_fsync_delay_file = flags.debug_fsync_delay_file,
        .debug_peer_duplicate_file = flags.debug_peer_duplicate_file,
        .limits = {.request_bytes_max = static_cast<size_t>(flags.max_request_bytes),
                   .txn_ops_max = static_cast<size_t>(flags.max_txn_ops)},
        .quota_backend_bytes = flags.quota_backend_bytes == 0
                                   ? kQuotaBackendBytesDefault
                                   : static_cast<uint64_t>(flags.quota_backend_bytes),
        .lease_checkpoint_interval = std::chrono::milliseconds(flags.lease_checkpoint_interval_ms),
        .snapshot_count = flags.snapshot_count,
        .snapshot_catchup_entries = flags.snapshot_catchup_entries,
        .wal_segment_bytes = flags.wal_segment_bytes};
    KEEL_ASSIGN_OR_RETURN(options.client_addresses, AddressesFromUrls(flags.listen_client_urls));
    options.client_urls = absl::StrSplit(flags.listen_client_urls, ',', absl::SkipWhitespace());
    KEEL_ASSIGN_OR_RETURN(options.peer_address, AddressFromUrl(flags.listen_peer_urls));
    if (!flags.listen_metrics_urls.empty()) {
        KEEL_ASSIGN_OR_RETURN(options.metrics_addresses,
                              AddressesFromUrls(flags.listen_metrics_urls));
    }
    const std::string initial_cluster = flags.initial_cluster.empty()
                                            ? flags.name + "=" + flags.listen_peer_urls
                                            : flags.initial_cluster;
    KEEL_ASSIGN_OR_RETURN(options.cluster,
                          ParseInitialCluster(initial_cluster, flags.initial_cluster_token));
    KEEL_RETURN_IF_ERROR(ApplyPeerDialOverrides(flags.debug_peer_dial, options.cluster));
    // A removed member exits, as etcd does: main is waiting for SIGTERM.
    options.on_removed = [] {
        kill(getpid(), SIGTERM);
    };
    options.initial_state = flags.initial_cluster_state == "existing"
                                ? InitialClusterState::kExisting
                                : InitialClusterState::kNew;
    return options;
}

// Blocks SIGINT and SIGTERM in every thread (call before any thread starts) and returns the
// set, so that main alone receives them through sigwait.
sigset_t BlockShutdownSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    return set;
}

int Run(int argc, char** argv) {
    CLI::App app{"keeld: the keel server (etcd v3 API)"};
    Flags flags;
    AddFlags(app, flags);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    // Debian's Abseil checks every absl::Mutex acquisition (gRPC's locks) for lock-order cycles,
    // ~2% of a member's CPU under load; keel's own locks are std::mutex and never checked.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    spdlog::set_default_logger(spdlog::stderr_color_mt("keeld"));
    spdlog::set_level(spdlog::level::from_str(flags.log_level));
    absl::StatusOr<ServerOptions> options = ToOptions(flags);
    if (!options.ok()) {
        spdlog::error("{}", options.status().ToString());
        return 2;
    }
    const sigset_t signals = BlockShutdownSignals();
    absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(*std::move(options));
    if (!server.ok()) {
        spdlog::error("cannot start: {}", server.status().ToString());
        return 1;
    }
    int signal = 0;
    sigwait(&signals, &signal);
    spdlog::info("received signal {}, shutting down", signal);
    (*server)->Shutdown();
    return 0;
}

}  // namespace
}  // namespace keel::server

int main(int argc, char** argv) {
    return keel::server::Run(argc, argv);
}
