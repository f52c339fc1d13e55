#include "failover.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <thread>

#include <absl/strings/str_format.h>
#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::chaos {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kWriteDeadline = 250ms;
constexpr auto kSteadyBefore = 1500ms;
constexpr auto kRateWindow = 1000ms;
constexpr auto kThroughputWindow = 250ms;
constexpr double kThroughputFraction = 0.8;
constexpr auto kTrialBound = 15s;
constexpr auto kAfterRestart = 2s;

// Writers putting one key in a loop, recording when each successful put was invoked and
// returned.
class Writers {
public:
    Writers(const ChaosCluster& cluster, int writers) {
        for (int w = 0; w < writers; ++w) {
            threads_.emplace_back([this, &cluster, w] { Run(cluster, w); });
        }
    }

    ~Writers() {
        stopping_ = true;
        for (std::thread& t : threads_) {
            t.join();
        }
    }

    // Successful writes (call, return) so far.
    std::vector<std::pair<Clock::time_point, Clock::time_point>> Done() {
        std::lock_guard lock(mu_);
        return done_;
    }

private:
    void Run(const ChaosCluster& cluster, int w) {
        std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs;
        for (int i = 0; i < cluster.size(); ++i) {
            grpc::ChannelArguments args;
            args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
            args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
            args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 300);
            stubs.push_back(etcdserverpb::KV::NewStub(grpc::CreateCustomChannel(
                cluster.ClientAddress(i), grpc::InsecureChannelCredentials(), args)));
        }
        size_t member = static_cast<size_t>(w) % stubs.size();
        for (uint64_t n = 0; !stopping_; ++n) {
            grpc::ClientContext ctx;
            ctx.set_deadline(std::chrono::system_clock::now() + kWriteDeadline);
            etcdserverpb::PutRequest req;
            req.set_key("/chaos/failover" + std::to_string(w));
            req.set_value(std::to_string(n));
            etcdserverpb::PutResponse resp;
            const Clock::time_point call = Clock::now();
            if (stubs[member]->Put(&ctx, req, &resp).ok()) {
                std::lock_guard lock(mu_);
                done_.emplace_back(call, Clock::now());
            } else {
                member = (member + 1) % stubs.size();
            }
        }
    }

    std::atomic<bool> stopping_{false};
    std::mutex mu_;
    std::vector<std::pair<Clock::time_point, Clock::time_point>> done_;
    std::vector<std::thread> threads_;
};

double Ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

std::string Percentiles(std::vector<double> values) {
    if (values.empty()) {
        return "no trials";
    }
    std::sort(values.begin(), values.end());
    auto at = [&values](double q) {
        const auto i = static_cast<size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1;
        return values[std::min(i, values.size() - 1)];
    };
    return absl::StrFormat("median %.0f ms, p99 %.0f ms, max %.0f ms (%d trials)",
                           at(0.5),
                           at(0.99),
                           values.back(),
                           static_cast<int>(values.size()));
}

FailoverResult RunFailover(const FailoverOptions& options) {
    ChaosCluster cluster(ChaosClusterOptions{.flavor = options.flavor,
                                             .tick_ms = options.tick_ms,
                                             .election_ticks = options.election_ticks,
                                             .keeld_path = options.keeld_path,
                                             .seed = options.seed});
    FailoverResult result;
    if (!cluster.WaitForLeader(30s).has_value()) {
        std::printf("failover: no leader at startup\n");
        return result;
    }
    Writers writers(cluster, options.writers);
    for (int trial = 0; trial < options.trials; ++trial) {
        std::this_thread::sleep_for(kSteadyBefore);
        const std::optional<int> leader = cluster.WaitForLeader(10s);
        if (!leader.has_value()) {
            ++result.failed_trials;
            continue;
        }
        const Clock::time_point killed = Clock::now();
        cluster.Kill(*leader);
        std::this_thread::sleep_for(kTrialBound / 3);
        const auto done = writers.Done();
        const long before = std::count_if(done.begin(), done.end(), [&](const auto& d) {
            return d.second <= killed && d.second > killed - kRateWindow;
        });
        std::optional<Clock::time_point> first;
        std::vector<Clock::time_point> after;
        for (const auto& [call, ret] : done) {
            if (call >= killed) {
                first = first.has_value() ? std::min(*first, ret) : ret;
                after.push_back(ret);
            }
        }
        std::sort(after.begin(), after.end());
        const double needed = kThroughputFraction * static_cast<double>(before)
                              * (Ms(kThroughputWindow) / Ms(kRateWindow));
        std::optional<Clock::time_point> full;
        for (size_t i = 0; i < after.size() && !full.has_value(); ++i) {
            const auto end =
                std::upper_bound(after.begin(), after.end(), after[i] + kThroughputWindow);
            if (static_cast<double>(end - (after.begin() + i)) >= needed) {
                full = after[i];
            }
        }
        if (first.has_value()) {
            result.first_write_ms.push_back(Ms(*first - killed));
        } else {
            ++result.failed_trials;
        }
        if (full.has_value()) {
            result.full_throughput_ms.push_back(Ms(*full - killed));
        }
        cluster.Start(*leader);
        std::this_thread::sleep_for(kAfterRestart);
    }
    return result;
}

}  // namespace keel::chaos
