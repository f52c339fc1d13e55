#include "keel-bench/report.h"

#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>

namespace keel::bench {
namespace {

constexpr double kNsPerMs = 1e6;

struct Quantile {
    const char* name;
    double quantile;
};

constexpr Quantile kQuantiles[] = {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p99.9", 0.999}};

double Ms(uint64_t ns) {
    return static_cast<double>(ns) / kNsPerMs;
}

std::string LatencyLine(const LatencyHistogram& h) {
    std::string line;
    for (const Quantile& q : kQuantiles) {
        absl::StrAppendFormat(&line, "%s %.3f  ", q.name, Ms(h.ValueAtQuantile(q.quantile)));
    }
    absl::StrAppendFormat(&line, "max %.3f  mean %.3f ms", Ms(h.max_ns()), h.mean_ns() / kNsPerMs);
    return line;
}

std::string Shape(const BenchOptions& o) {
    std::string shape = absl::StrFormat(
        "%s: %d clients, %d conns, %s, key %d B, value %d B, "
        "%d keys %s",
        WorkloadName(o.workload),
        o.clients,
        o.conns,
        o.target == Target::kLeader ? "leader" : "all endpoints",
        o.key_size,
        o.val_size,
        o.key_space,
        o.key_order == KeyOrder::kRandom ? "random" : "sequential");
    if (o.workload == Workload::kRange || o.workload == Workload::kMixed) {
        absl::StrAppend(
            &shape,
            o.consistency == Consistency::kSerializable ? ", serializable" : ", linearizable");
    }
    if (o.session) {
        absl::StrAppend(&shape, ", writes in keel sessions");
    }
    if (o.rate > 0) {
        absl::StrAppendFormat(&shape, ", open loop at %.0f/s", o.rate);
    } else {
        absl::StrAppend(&shape, ", closed loop");
    }
    return shape;
}

nlohmann::json OptionsJson(const BenchOptions& o) {
    return {{"workload", WorkloadName(o.workload)},
            {"endpoints", o.endpoints},
            {"target", o.target == Target::kLeader ? "leader" : "all"},
            {"clients", o.clients},
            {"conns", o.conns},
            {"threads", o.threads},
            {"key_size", o.key_size},
            {"val_size", o.val_size},
            {"key_space", o.key_space},
            {"key_order", o.key_order == KeyOrder::kRandom ? "random" : "sequential"},
            {"consistency",
             o.consistency == Consistency::kSerializable ? "serializable" : "linearizable"},
            {"rate", o.rate},
            {"session", o.session}};
}

}  // namespace

nlohmann::json LatencyJson(const LatencyHistogram& h) {
    nlohmann::json out = {{"count", h.count()}};
    for (const Quantile& q : kQuantiles) {
        out[std::string(q.name) + "_ms"] = Ms(h.ValueAtQuantile(q.quantile));
    }
    out["max_ms"] = Ms(h.max_ns());
    out["mean_ms"] = h.mean_ns() / kNsPerMs;
    return out;
}

nlohmann::json RunJson(const BenchOptions& options, const RunResult& r) {
    return {{"options", OptionsJson(options)},
            {"connected_to", r.endpoints},
            {"succeeded", r.succeeded},
            {"failed", r.failed},
            {"errors", r.errors},
            {"reads", r.reads},
            {"writes", r.writes},
            {"cas_won", r.cas_won},
            {"cas_lost", r.cas_lost},
            {"backlog_max", r.backlog_max},
            {"seconds", r.seconds},
            {"throughput", r.throughput()},
            {"latency", LatencyJson(r.latency)}};
}

nlohmann::json WatchJson(const BenchOptions& options, const WatchResult& r) {
    nlohmann::json out = RunJson(options, r.writes);
    out["watch"] = {{"watchers", r.watchers},
                    {"events", r.events},
                    {"events_expected", r.events_expected},
                    {"seconds", r.seconds},
                    {"events_per_second", r.events_per_second()},
                    {"delivery", LatencyJson(r.delivery)}};
    return out;
}

std::string RunText(const BenchOptions& options, const RunResult& r) {
    std::string text = absl::StrFormat(
        "%s\n  endpoints %s\n  requests  %d ok, %d failed in %.2f s: %.1f/s\n"
        "  latency   %s\n",
        Shape(options),
        absl::StrJoin(r.endpoints, ","),
        r.succeeded,
        r.failed,
        r.seconds,
        r.throughput(),
        LatencyLine(r.latency));
    if (options.workload == Workload::kMixed) {
        absl::StrAppendFormat(&text, "  reads     %d, writes %d\n", r.reads, r.writes);
    }
    if (options.workload == Workload::kTxn) {
        absl::StrAppendFormat(&text, "  cas       %d won, %d lost\n", r.cas_won, r.cas_lost);
    }
    if (options.rate > 0) {
        absl::StrAppendFormat(
            &text, "  backlog   at most %d requests waited for a client\n", r.backlog_max);
    }
    for (const auto& [error, count] : r.errors) {
        absl::StrAppendFormat(&text, "  error     %d x %s\n", count, error);
    }
    return text;
}

std::string WatchText(const BenchOptions& options, const WatchResult& r) {
    std::string text = RunText(options, r.writes);
    absl::StrAppendFormat(&text,
                          "  watchers  %d received %d of %d events in %.2f s: %.1f events/s\n"
                          "  delivery  %s\n",
                          r.watchers,
                          r.events,
                          r.events_expected,
                          r.seconds,
                          r.events_per_second(),
                          LatencyLine(r.delivery));
    return text;
}

}  // namespace keel::bench
