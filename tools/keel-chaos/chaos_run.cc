#include "chaos_run.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <thread>

#include <absl/strings/str_cat.h>

#include "verifier.h"
#include "workload.h"

namespace keel::chaos {
namespace {

using namespace std::chrono_literals;

constexpr auto kStartupLeaderWait = 30s;
constexpr auto kConvergeWait = 60s;

bool IsWrite(const check::Operation& op) {
    return op.kind != check::OpKind::kGet;
}

// Longest stretch of [from, to] without the completion of a successful write.
int64_t LongestGap(const std::vector<int64_t>& write_done_ns, int64_t from, int64_t to) {
    int64_t longest = 0;
    int64_t last = from;
    for (auto it = std::lower_bound(write_done_ns.begin(), write_done_ns.end(), from);
         it != write_done_ns.end() && *it <= to;
         ++it) {
        longest = std::max(longest, *it - last);
        last = *it;
    }
    return std::max(longest, to - last);
}

RunSummary Summarize(const check::History& history,
                     const std::vector<FaultWindow>& windows,
                     int64_t end_ns) {
    RunSummary s;
    std::vector<int64_t> write_done;
    for (const check::Operation& op : history) {
        ++s.ops;
        if (op.outcome == check::Outcome::kOk) {
            ++s.ok;
            if (IsWrite(op)) {
                write_done.push_back(op.return_ns);
            }
        }
    }
    std::sort(write_done.begin(), write_done.end());
    s.longest_write_gap_ns = LongestGap(write_done, 0, end_ns);
    std::map<std::string, Availability> by;
    for (const FaultWindow& w : windows) {
        Availability& a = by[w.Label()];
        ++a.windows;
        a.longest_write_gap_ns =
            std::max(a.longest_write_gap_ns, LongestGap(write_done, w.start_ns, w.end_ns));
    }
    for (const check::Operation& op : history) {
        std::string active = FaultName(Fault::kNone);
        for (const FaultWindow& w : windows) {
            if (op.call_ns >= w.start_ns && op.call_ns < w.end_ns) {
                active = w.Label();
            }
        }
        Availability& a = by[active];
        ++a.ops;
        a.ok += op.outcome == check::Outcome::kOk ? 1 : 0;
    }
    s.by_fault.assign(by.begin(), by.end());
    return s;
}

void SaveHistory(const std::string& path,
                 const check::History& history,
                 const std::vector<check::WatchRecord>& watches,
                 const std::vector<FaultWindow>& windows) {
    std::ofstream out(path);
    check::History sorted = history;
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.call_ns < b.call_ns;
    });
    out << "# faults\n";
    for (const FaultWindow& w : windows) {
        out << "[" << w.start_ns << ", " << w.end_ns << "] " << FaultName(w.fault) << " "
            << w.detail << "\n";
    }
    out << "# operations\n";
    for (const check::Operation& op : sorted) {
        out << check::Describe(op) << "\n";
    }
    out << "# watch streams\n";
    for (const check::WatchRecord& r : watches) {
        out << "watcher " << r.watcher << " from rev " << r.start_revision << ":";
        for (const check::WatchEvent& e : r.events) {
            out << " " << e.revision << ":" << e.key << "=" << (e.value ? *e.value : "<del>");
        }
        out << "\n";
    }
}

}  // namespace

RunSummary RunChaos(const RunOptions& options) {
    const auto epoch = std::chrono::steady_clock::now();
    ChaosCluster cluster(ChaosClusterOptions{.flavor = options.flavor,
                                             .size = options.members,
                                             .keeld_path = options.keeld_path,
                                             .seed = options.seed});
    std::vector<std::string> failures;
    if (!cluster.WaitForLeader(kStartupLeaderWait).has_value()) {
        std::printf("seed %llu: no leader at startup\n%s\n",
                    static_cast<unsigned long long>(options.seed),
                    cluster.Log(0).c_str());
        return RunSummary{};
    }
    Workload workload(WorkloadOptions{.addresses = [&cluster] { return cluster.ClientAddresses(); },
                                      .clients = options.clients,
                                      .keys = options.keys,
                                      .serializable_reads = options.serializable_reads,
                                      .seed = options.seed,
                                      .epoch = epoch});
    Nemesis nemesis(
        cluster,
        NemesisOptions{
            .seed = options.seed, .faults = options.faults, .mix = options.mix, .epoch = epoch});
    workload.Start();
    std::thread nemesis_thread([&nemesis] { nemesis.Run(); });
    std::this_thread::sleep_for(options.duration);
    nemesis.Stop();
    nemesis_thread.join();  // heals everything
    const int64_t fault_end_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now() - epoch)
                                     .count();
    workload.Stop();
    // Restart every member at once (a whole-cluster crash), then converge.
    for (const int i : cluster.Current()) {
        cluster.Kill(i);
    }
    for (const int i : cluster.Current()) {
        cluster.Start(i);
    }
    if (!cluster.WaitForLeader(kStartupLeaderWait).has_value()) {
        failures.push_back("no leader after restarting every member");
    }
    int64_t final_revision = 0;
    const WriteLog log = ReadConvergedLog(cluster, kConvergeWait, failures, final_revision);
    const check::History history = workload.history();
    RunSummary summary = Summarize(history, nemesis.windows(), fault_end_ns);
    std::string watch = "not checked";
    Verdicts v;
    if (failures.empty()) {
        v = CheckRun(log, final_revision, history, workload.acked_writes(), workload);
        failures = v.failures;
        watch = v.watch;
    }
    summary.passed = failures.empty();
    std::printf(
        "seed %llu: %s; %llu ops (%llu ok), %zu acked writes, %zu unknown writes (%zu applied), "
        "final revision %lld, %zu faults, linearizability: %s, watch: %s, longest write gap "
        "%.2f s\n",
        static_cast<unsigned long long>(options.seed),
        summary.passed ? "PASS" : "FAIL",
        static_cast<unsigned long long>(summary.ops),
        static_cast<unsigned long long>(summary.ok),
        workload.acked_writes().size(),
        v.unknown_writes,
        v.unknown_applied,
        static_cast<long long>(final_revision),
        nemesis.windows().size(),
        failures.empty() ? check::Report(v.linearizability).c_str() : "see below",
        watch.c_str(),
        static_cast<double>(summary.longest_write_gap_ns) / 1e9);
    for (const FaultWindow& w : nemesis.windows()) {
        std::printf("  %6.2f-%6.2f s %s %s\n",
                    static_cast<double>(w.start_ns) / 1e9,
                    static_cast<double>(w.end_ns) / 1e9,
                    FaultName(w.fault),
                    w.detail.c_str());
    }
    if (!summary.passed) {
        const std::string path =
            absl::StrCat(options.history_dir, "/chaos-history-", options.seed, ".txt");
        SaveHistory(path, history, workload.watch_records(), nemesis.windows());
        for (const std::string& f : failures) {
            std::printf("  FAILURE: %s\n", f.c_str());
        }
        for (int i = 0; i < cluster.size(); ++i) {  // removed members' logs too
            std::ofstream(
                absl::StrCat(options.history_dir, "/chaos-", options.seed, "-m", i + 1, ".log"))
                << cluster.Log(i);
        }
        std::printf("  history saved to %s (member logs next to it)\n  replay: %s\n",
                    path.c_str(),
                    options.replay_command.c_str());
    }
    std::fflush(stdout);
    return summary;
}

}  // namespace keel::chaos
