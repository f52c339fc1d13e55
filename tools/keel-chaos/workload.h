// Workload: concurrent etcd-API clients doing get, put and compare-and-set on a few keys, and
// a watcher over the same keys, each recording what it did for the checkers.
//
// Every client owns one gRPC channel per member and moves to the next member when a call
// fails, rereading the membership's addresses then (members come and go). Values are unique
// ("c<client>-<n>"), so the verifier can tell every write apart. Writes whose call fails are
// recorded as kUnknown (they may have been applied); reads that fail are kFail (they changed
// nothing).
//
// Threading: Start() spawns the client and watcher threads; Stop() joins them. The recorded
// history and watch records are read after Stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "check/history.h"
#include "check/watch_checker.h"

namespace keel::chaos {

inline constexpr char kKeyPrefix[] = "/chaos/";
inline constexpr char kKeyPrefixEnd[] = "/chaos0";  // '/' + 1

// An acknowledged write and the revision the store gave it.
struct AckedWrite {
    std::string key;
    std::string value;
    int64_t revision = 0;
};

struct WorkloadOptions {
    // Every current member's client address; called from the client threads (thread-safe).
    std::function<std::vector<std::string>()> addresses;
    int clients = 4;
    int keys = 3;
    std::chrono::milliseconds op_timeout{1000};
    bool watch = true;
    // A negative control: serializable gets may answer from a stale member, so a run with
    // partitions must fail the linearizability check.
    bool serializable_reads = false;
    uint64_t seed = 1;
    std::chrono::steady_clock::time_point epoch;  // time 0 of the history
};

class Workload {
public:
    explicit Workload(WorkloadOptions options) : options_(std::move(options)) {}

    ~Workload() { Stop(); }

    Workload(const Workload&) = delete;
    Workload& operator=(const Workload&) = delete;

    void Start();
    void Stop();

    // After Stop(): every operation, and the acknowledged writes with their revisions.
    check::History history() const;
    std::vector<AckedWrite> acked_writes() const;
    std::vector<check::WatchRecord> watch_records() const;

    bool watch_unsupported() const { return watch_unsupported_; }

    int64_t watch_start_revision() const { return watch_start_revision_; }

private:
    void RunClient(int client);
    void RunWatcher();
    int64_t NowNs() const;

    WorkloadOptions options_;
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> threads_;
    mutable std::mutex mu_;
    check::History history_;                         // guarded by mu_
    std::vector<AckedWrite> acked_;                  // guarded by mu_
    std::vector<check::WatchRecord> watch_records_;  // guarded by mu_
    std::atomic<bool> watch_unsupported_{false};
    std::atomic<int64_t> watch_start_revision_{0};
    std::mutex watch_ctx_mu_;
    void* watch_ctx_ = nullptr;  // the live watch stream's grpc::ClientContext, for Stop()
};

}  // namespace keel::chaos
