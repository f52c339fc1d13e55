// What one keel-bench run does: the workload, the cluster it drives and the load's shape.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace keel::bench {

enum class Workload : uint8_t {
    kPut = 0,    // Put of a key from the key space
    kRange = 1,  // Range of one key (linearizable or serializable, see Consistency)
    kTxn = 2,    // compare-and-swap: If mod_revision(key) == last seen Then Put Else Range
    kMixed = 3,  // Range with probability read_ratio, else Put
    kWatch = 4,  // N watchers on a prefix while clients put under it
};

enum class Consistency : uint8_t {
    kLinearizable = 0,
    kSerializable = 1,
};

enum class KeyOrder : uint8_t {
    kSequential = 0,
    kRandom = 1,
};

// Which endpoints carry the load: the leader only (found with Maintenance.Status, as etcd's
// benchmark does with --endpoints=leader), or every endpoint round robin (followers forward
// writes).
enum class Target : uint8_t {
    kLeader = 0,
    kAll = 1,
};

struct BenchOptions {
    Workload workload = Workload::kPut;
    std::vector<std::string> endpoints{"127.0.0.1:2379"};
    Target target = Target::kLeader;
    int clients = 1;  // concurrent requests in flight at most (closed loop: exactly)
    int conns = 1;    // gRPC channels (TCP connections); client i uses connection i % conns
    int threads = 1;  // completion-queue polling threads
    size_t key_size = 8;
    size_t val_size = 256;
    uint64_t key_space = 100000;
    KeyOrder key_order = KeyOrder::kRandom;
    // Stop after `total` requests, or after `duration` when it is nonzero (whichever first).
    uint64_t total = 10000;
    std::chrono::milliseconds duration{0};
    // Open loop when > 0: requests are due at this many per second in total, and latency counts
    // from the due time, so a request that waits for a free client shows its queueing delay.
    double rate = 0;
    Consistency consistency = Consistency::kLinearizable;
    double read_ratio = 0.5;  // kMixed only
    int watchers = 100;       // kWatch only
    std::string key_prefix;   // kWatch uses "w/" when empty
    std::chrono::milliseconds request_timeout{10000};
    // Each client registers a keel session and tags its writes with keel-session-id / keel-seq /
    // keel-ack (docs/sessions.md), to measure what exactly-once costs. keeld only.
    bool session = false;
};

const char* WorkloadName(Workload workload);

}  // namespace keel::bench
