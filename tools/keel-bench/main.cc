// keel-bench: a load generator for the etcd v3 gRPC API, so it drives keeld and etcd alike.
//
//   keel-bench put --endpoints=127.0.0.1:2379,127.0.0.1:22379 --clients=100 --conns=10
//              --duration=10 [--rate=5000] [--json]
//   keel-bench range --consistency=s ...     keel-bench txn ...
//   keel-bench mixed --read-ratio=0.9 ...    keel-bench watch --watchers=1000 --rate=100 ...
//
// Exit status: 0 when every request succeeded, 1 when some failed, 2 for bad flags or an
// unreachable cluster. See docs/benchmarks.md.
#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include <CLI/CLI.hpp>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>
#include <absl/synchronization/mutex.h>

#include "keel-bench/bench_options.h"
#include "keel-bench/connections.h"
#include "keel-bench/report.h"
#include "keel-bench/request_driver.h"
#include "keel-bench/watch_fanout.h"

namespace keel::bench {
namespace {

struct Flags {
    std::string endpoints = "127.0.0.1:2379";
    double duration_s = 0;
    int timeout_ms = 10000;
    bool json = false;
};

void AddFlags(CLI::App& app, BenchOptions& o, Flags& f) {
    const std::map<std::string, Workload> workloads{{"put", Workload::kPut},
                                                    {"range", Workload::kRange},
                                                    {"txn", Workload::kTxn},
                                                    {"mixed", Workload::kMixed},
                                                    {"watch", Workload::kWatch}};
    app.add_option("workload", o.workload, "put, range, txn, mixed or watch")
        ->required()
        ->transform(CLI::CheckedTransformer(workloads, CLI::ignore_case));
    app.add_option("--endpoints", f.endpoints, "comma-separated host:port (http:// is dropped)");
    const std::map<std::string, Target> targets{{"leader", Target::kLeader}, {"all", Target::kAll}};
    app.add_option("--target", o.target, "leader: every connection to the leader; all: round robin")
        ->transform(CLI::CheckedTransformer(targets, CLI::ignore_case));
    app.add_option("--clients", o.clients, "requests in flight")->check(CLI::Range(1, 100000));
    app.add_option("--conns", o.conns, "gRPC connections")->check(CLI::Range(1, 10000));
    app.add_option("--threads", o.threads, "polling threads")->check(CLI::Range(1, 64));
    app.add_option("--key-size", o.key_size, "bytes per key")->check(CLI::Range(1, 65536));
    app.add_option("--val-size", o.val_size, "bytes per value")->check(CLI::Range(0, 1 << 20));
    app.add_option("--key-space", o.key_space, "number of distinct keys")
        ->check(CLI::PositiveNumber);
    const std::map<std::string, KeyOrder> orders{{"random", KeyOrder::kRandom},
                                                 {"sequential", KeyOrder::kSequential}};
    app.add_option("--key-order", o.key_order, "random or sequential")
        ->transform(CLI::CheckedTransformer(orders, CLI::ignore_case));
    app.add_option("--key-prefix", o.key_prefix, "prefix of every key (watch: w/)");
    app.add_option("--total", o.total, "requests to send (with --duration: at most)")
        ->check(CLI::PositiveNumber);
    app.add_option("--duration", f.duration_s, "seconds to run (0: until --total)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--rate", o.rate, "open loop: requests due per second (0: closed loop)")
        ->check(CLI::NonNegativeNumber);
    const std::map<std::string, Consistency> consistencies{
        {"l", Consistency::kLinearizable},
        {"s", Consistency::kSerializable},
        {"linearizable", Consistency::kLinearizable},
        {"serializable", Consistency::kSerializable}};
    app.add_option("--consistency", o.consistency, "reads: l (linearizable) or s (serializable)")
        ->transform(CLI::CheckedTransformer(consistencies, CLI::ignore_case));
    app.add_option("--read-ratio", o.read_ratio, "mixed: fraction of reads")
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--watchers", o.watchers, "watch: watch streams")->check(CLI::Range(1, 100000));
    app.add_option("--timeout-ms", f.timeout_ms, "per-request deadline")
        ->check(CLI::Range(1, 600000));
    app.add_flag("--json", f.json, "print one JSON object instead of text");
    app.add_flag("--session",
                 o.session,
                 "each client writes in its own keel session (exactly-once; keeld only)");
}

int Run(int argc, char** argv) {
    CLI::App app{"keel-bench: load for the etcd v3 API (keeld or etcd)"};
    BenchOptions options;
    Flags flags;
    AddFlags(app, options, flags);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    // Debian's Abseil checks gRPC's absl::Mutex acquisitions for lock-order cycles: pure
    // client-side overhead here.
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
    options.endpoints.clear();
    for (absl::string_view e : absl::StrSplit(flags.endpoints, ',', absl::SkipWhitespace())) {
        absl::ConsumePrefix(&e, "http://");
        options.endpoints.emplace_back(e);
    }
    if (options.endpoints.empty()) {
        std::cerr << "keel-bench: --endpoints is empty\n";
        return 2;
    }
    options.duration = std::chrono::milliseconds(static_cast<int64_t>(flags.duration_s * 1000));
    if (options.duration.count() > 0 && app.count("--total") == 0) {
        options.total = UINT64_MAX;
    }
    options.request_timeout = std::chrono::milliseconds(flags.timeout_ms);
    absl::StatusOr<std::vector<Connection>> connections = OpenConnections(options);
    if (!connections.ok()) {
        std::cerr << "keel-bench: " << connections.status().message() << "\n";
        return 2;
    }
    uint64_t failed = 0;
    if (options.workload == Workload::kWatch) {
        absl::StatusOr<WatchResult> result = RunWatchFanout(options, *connections);
        if (!result.ok()) {
            std::cerr << "keel-bench: " << result.status().message() << "\n";
            return 2;
        }
        std::cout << (flags.json ? WatchJson(options, *result).dump() + "\n"
                                 : WatchText(options, *result));
        failed = result->writes.failed
                 + (result->events_expected - std::min(result->events, result->events_expected));
    } else {
        absl::StatusOr<RunResult> result = RunRequests(options, *connections, ValueStamp::kNone);
        if (!result.ok()) {
            std::cerr << "keel-bench: " << result.status().message() << "\n";
            return 2;
        }
        std::cout << (flags.json ? RunJson(options, *result).dump() + "\n"
                                 : RunText(options, *result));
        failed = result->failed;
    }
    return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace keel::bench

int main(int argc, char** argv) {
    return keel::bench::Run(argc, argv);
}
