// keel-chaos: fault injection on a real 3-member keeld cluster, checked for linearizability
// (docs/reliability.md).
//
//   keel-chaos --seed 7 --seconds 30                 one run; replay a failure with its seed
//   keel-chaos --seeds 1,2,3 --seconds 25            the CI run
//   keel-chaos --soak 60                             runs seeds 1, 2, ... for 60 minutes
//   keel-chaos --faults kill-leader,partition-leader --seed 3
//   keel-chaos --members 5 --seed 4                  a five-member cluster
//   keel-chaos --failover-trials 30 [--flavor etcd]  the failover figure
//
// Exit status: 0 when every run passed, 1 otherwise.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_split.h>

#include "chaos_run.h"
#include "failover.h"
#include "nemesis.h"

namespace keel::chaos {
namespace {

struct Flags {
    uint64_t seed = 1;
    std::string seeds;
    int seconds = 30;
    int soak_minutes = 0;
    std::string faults = "all";
    int mix = 1;
    std::string flavor = "keeld";
    std::string keeld_path = KEELD_PATH;
    int members = 3;
    int clients = 4;
    int keys = 3;
    std::string history_dir = ".";
    int failover_trials = 0;
    bool serializable_reads = false;
};

std::string ReplayCommand(const Flags& flags, uint64_t seed, const std::string& faults) {
    return absl::StrCat("keel-chaos --seed ",
                        seed,
                        " --seconds ",
                        flags.seconds,
                        " --faults ",
                        faults,
                        " --mix ",
                        flags.mix,
                        " --flavor ",
                        flags.flavor,
                        " --members ",
                        flags.members,
                        " --clients ",
                        flags.clients,
                        " --keys ",
                        flags.keys,
                        " --keeld ",
                        flags.keeld_path);
}

void PrintFigures(const std::vector<RunSummary>& runs) {
    std::map<std::string, Availability> total;
    for (const RunSummary& run : runs) {
        for (const auto& [fault, a] : run.by_fault) {
            Availability& t = total[fault];
            t.ops += a.ops;
            t.ok += a.ok;
            t.windows += a.windows;
            t.longest_write_gap_ns = std::max(t.longest_write_gap_ns, a.longest_write_gap_ns);
        }
    }
    std::printf(
        "%-18s %8s %9s %8s %22s\n", "fault", "windows", "ops", "ok %", "longest write gap (s)");
    for (const auto& [fault, a] : total) {
        const std::string gap =
            fault == FaultName(Fault::kNone)
                ? "-"
                : absl::StrFormat("%.2f", static_cast<double>(a.longest_write_gap_ns) / 1e9);
        std::printf(
            "%-18s %8d %9llu %8.1f %22s\n",
            fault.c_str(),
            a.windows,
            static_cast<unsigned long long>(a.ops),
            a.ops == 0 ? 0.0 : 100.0 * static_cast<double>(a.ok) / static_cast<double>(a.ops),
            gap.c_str());
    }
}

int RunFailoverMode(const Flags& flags, Flavor flavor) {
    const FailoverResult r = RunFailover(FailoverOptions{.flavor = flavor,
                                                         .keeld_path = flags.keeld_path,
                                                         .trials = flags.failover_trials,
                                                         .seed = flags.seed});
    std::printf(
        "failover (%s, SIGKILL leader):\n  to first successful write: %s\n"
        "  to full throughput: %s\n  trials without a write: %d\n",
        flags.flavor.c_str(),
        Percentiles(r.first_write_ms).c_str(),
        Percentiles(r.full_throughput_ms).c_str(),
        r.failed_trials);
    return r.failed_trials == 0 ? 0 : 1;
}

int Run(int argc, char** argv) {
    CLI::App app{
        "keel-chaos: fault injection on real keeld processes, checked for "
        "linearizability"};
    Flags flags;
    app.add_option("--seed", flags.seed, "the run's seed (the fault schedule and workload)");
    app.add_option("--seeds", flags.seeds, "comma-separated seeds, one run each");
    app.add_option("--seconds", flags.seconds, "fault phase length per run")
        ->check(CLI::Range(1, 3600));
    app.add_option("--soak", flags.soak_minutes, "run seeds --seed, --seed+1, ... for MINUTES");
    app.add_option("--faults", flags.faults, "comma-separated fault names, or all");
    app.add_option("--mix", flags.mix, "up to this many faults at once per step (1: one at a time)")
        ->check(CLI::Range(1, 4));
    app.add_option("--flavor", flags.flavor, "keeld or etcd (etcd: process faults only)")
        ->check(CLI::IsMember({"keeld", "etcd"}));
    app.add_option("--keeld", flags.keeld_path, "the keeld binary");
    app.add_option("--members", flags.members, "cluster size")->check(CLI::IsMember({3, 5}));
    app.add_option("--clients", flags.clients, "concurrent clients")->check(CLI::Range(1, 64));
    app.add_option("--keys", flags.keys, "keys the clients share")->check(CLI::Range(1, 100));
    app.add_option("--history-dir", flags.history_dir, "where a failed run saves its history");
    app.add_option("--failover-trials",
                   flags.failover_trials,
                   "instead of chaos runs: SIGKILL the leader this many times and time failover");
    app.add_flag("--serializable-reads",
                 flags.serializable_reads,
                 "negative control: gets may read a stale member, so runs with partitions "
                 "should fail the check");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    const Flavor flavor = flags.flavor == "etcd" ? Flavor::kEtcd : Flavor::kKeeld;
    if (flags.failover_trials > 0) {
        return RunFailoverMode(flags, flavor);
    }
    std::vector<Fault> faults = ParseFaults(flags.faults);
    const std::vector<Fault> supported = SupportedFaults(flavor);
    std::erase_if(faults, [&](Fault f) {
        return std::find(supported.begin(), supported.end(), f) == supported.end();
    });
    if (faults.empty()) {
        std::fprintf(
            stderr, "--faults names no fault this flavor supports: %s\n", flags.faults.c_str());
        return 2;
    }
    std::vector<uint64_t> seeds;
    for (absl::string_view s : absl::StrSplit(flags.seeds, ',', absl::SkipWhitespace())) {
        seeds.push_back(std::stoull(std::string(s)));
    }
    if (seeds.empty()) {
        seeds.push_back(flags.seed);
    }
    const auto soak_end =
        std::chrono::steady_clock::now() + std::chrono::minutes(flags.soak_minutes);
    std::vector<RunSummary> runs;
    int failed = 0;
    for (size_t i = 0;; ++i) {
        uint64_t seed = 0;
        if (flags.soak_minutes > 0) {
            if (std::chrono::steady_clock::now() >= soak_end) {
                break;
            }
            seed = flags.seed + i;
        } else if (i < seeds.size()) {
            seed = seeds[i];
        } else {
            break;
        }
        const RunSummary run =
            RunChaos(RunOptions{.seed = seed,
                                .duration = std::chrono::seconds(flags.seconds),
                                .faults = faults,
                                .mix = flags.mix,
                                .flavor = flavor,
                                .keeld_path = flags.keeld_path,
                                .members = flags.members,
                                .clients = flags.clients,
                                .keys = flags.keys,
                                .serializable_reads = flags.serializable_reads,
                                .history_dir = flags.history_dir,
                                .replay_command = ReplayCommand(flags, seed, FaultNames(faults))});
        failed += run.passed ? 0 : 1;
        runs.push_back(run);
    }
    PrintFigures(runs);
    std::printf("%zu runs, %d failed\n", runs.size(), failed);
    return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace keel::chaos

int main(int argc, char** argv) {
    return keel::chaos::Run(argc, argv);
}
