// A local keeld cluster for end-to-end tests: N keeld processes on free loopback ports, in a
// temp dir, each owned by a Process (stopped by PID, never by name).
//
// Also the small etcdctl runner the tests use: every invocation is bounded by coreutils
// `timeout`, so a hung client cannot hang the test.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "e2e/process.h"

namespace keel::testing {

// Whether the constructor starts the members (kLater: the test prepares their data
// directories first, e.g. restores a backup into them, then calls Start(i)).
enum class StartMembers {
    kNow,
    kLater,
};

struct KeeldClusterOptions {
    int size = 3;
    // Members are named <name_prefix>1, <name_prefix>2, ...
    std::string name_prefix = "m";
    StartMembers start = StartMembers::kNow;
    int tick_ms = 50;
    int election_ticks = 10;
    // More keeld flags for every member (e.g. "--snapshot-count=100",
    // "--quota-backend-bytes=65536").
    std::vector<std::string> extra_flags;
    // Give every member an HTTP listener (--listen-metrics-urls) on a free port (MetricsPort).
    bool metrics = false;
};

class KeeldCluster {
public:
    explicit KeeldCluster(KeeldClusterOptions options = {});
    ~KeeldCluster();
    KeeldCluster(const KeeldCluster&) = delete;
    KeeldCluster& operator=(const KeeldCluster&) = delete;

    int size() const { return static_cast<int>(members_.size()); }

    // Starts member i (again, after Kill/Stop: same name, ports and data directory).
    void Start(int i);
    // Adds a member that is not started: fresh ports and name "m<size+1>". Started, it joins
    // the running cluster (--initial-cluster-state=existing, with an --initial-cluster of the
    // original members plus itself), so `etcdctl member add` must come first. Returns its
    // index.
    int AddJoiningMember();
    // "http://127.0.0.1:port" of member i's peer listener.
    std::string PeerUrl(int i) const;

    // The --initial-cluster every original member starts with.
    const std::string& InitialCluster() const { return initial_cluster_; }

    std::string Name(int i) const { return members_.at(i).name; }

    // Member i's id as it reports it (0 if it does not answer).
    uint64_t MemberId(int i);
    // SIGKILL, as a crash.
    void Kill(int i);
    // SIGTERM, then waits up to `timeout` for a clean exit; false if it did not exit.
    bool Stop(int i, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    bool Running(int i);
    // SIGSTOP and SIGCONT: member i freezes with its connections open (a long pause).
    void Pause(int i);
    void Resume(int i);

    // The port of member i's /metrics, /health and /version listener (options.metrics), or 0.
    int MetricsPort(int i) const { return members_.at(i).metrics_port; }

    // "127.0.0.1:port" of member i's client listener.
    std::string ClientAddress(int i) const;
    // Every member's client URL, comma-separated (etcdctl's --endpoints).
    std::string Endpoints() const;
    std::string Log(int i) const;
    // Member i's --data-dir.
    std::string DataDir(int i) const;
    // Every member's log, for failure messages.
    std::string Logs() const;

    // The index of the member that all running members agree is the leader (asked through
    // Maintenance.Status), once one is; nullopt after `timeout`.
    std::optional<int> WaitForLeader(std::chrono::milliseconds timeout = std::chrono::seconds(20));

private:
    struct Member {
        std::string name;
        int client_port = 0;
        int peer_port = 0;
        int metrics_port = 0;  // 0: none
        bool joins = false;    // started with --initial-cluster-state=existing
        std::unique_ptr<Process> process;
    };

    std::optional<uint64_t> LeaderSeenBy(int i);

    KeeldClusterOptions options_;
    TempDir dir_;
    std::string initial_cluster_;
    std::vector<Member> members_;
};

struct EtcdctlResult {
    int exit_code = -1;
    std::string output;  // stdout and stderr
};

// Runs `ETCDCTL_API=3 etcdctl --endpoints=<endpoints> <args>` with `stdin_text` on its
// standard input, bounded by a 15 s `timeout`.
EtcdctlResult Etcdctl(const std::string& endpoints,
                      const std::string& args,
                      const std::string& stdin_text = "");

}  // namespace keel::testing
