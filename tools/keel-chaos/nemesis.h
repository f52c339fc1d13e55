// Nemesis: injects faults into a ChaosCluster on a schedule drawn from a seed.
//
// The schedule is a sequence of (fault, duration, target draw, parameter draw) steps separated
// by quiet gaps; the same seed gives the same schedule. Which member is "the leader" is decided
// when the step runs, so the effect of a step depends on the cluster, not only on the seed.
// Every step heals what it broke before the next one starts. With `mix` above 1 a step injects
// up to that many different faults at once (the membership change only ever alone, as it brings
// its own companion fault), and heals them all together at its end.
//
// Threading: Run() blocks on the calling thread (the harness runs it on its own thread);
// Stop() may be called from any thread and makes Run() heal and return within one poll.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/rng.h"
#include "chaos_cluster.h"

namespace keel::chaos {

enum class Fault : uint8_t {
    kNone = 0,  // the quiet gaps between faults
    kKillRandom,
    kKillLeader,
    kPauseRandom,
    kPauseLeader,
    kPartitionLeader,    // the leader loses every link, both ways
    kPartitionRandom,    // a random member loses every link, both ways
    kPartitionOneWay,    // the leader's outbound links are cut; it still hears the others
    kPartitionBridge,    // two members cannot talk; the third talks to both
    kPartitionMinority,  // the leader and (n-1)/2 - 1 random others are cut off from the rest
    kDelay,              // every link delays each chunk 20-150 ms
    kDrop,               // every link cuts its connection on 0.5-3% of chunks
    kSlowDisk,           // every WAL fsync of the leader first sleeps 50-500 ms
    kFailingDisk,        // every WAL fsync of the leader fails with EIO: it stops itself
    kMember,             // a member is replaced through the Cluster API (member_change.h)
    kDuplicate,          // every member delivers 10-50% of received peer batches twice
    kCount,
};

const char* FaultName(Fault fault);
// Parses a comma-separated list of fault names ("all" for every fault); empty on a bad name.
std::vector<Fault> ParseFaults(const std::string& names);
std::string FaultNames(const std::vector<Fault>& faults);
// The faults the flavor supports (etcd runs without proxies: process faults only).
std::vector<Fault> SupportedFaults(Flavor flavor);

// One fault as it ran, for availability figures.
struct FaultWindow {
    Fault fault = Fault::kNone;
    std::vector<Fault> with;  // faults injected together with `fault` (NemesisOptions::mix)
    int64_t start_ns = 0;
    int64_t end_ns = 0;
    std::string detail;  // e.g. "m2 (leader)"

    // "kill-leader", or "mixed" for a window of several faults (the availability table's row).
    std::string Label() const;
};

struct NemesisOptions {
    uint64_t seed = 1;
    std::vector<Fault> faults;
    // Up to this many different faults per step (1: one at a time). Draws for the extra faults
    // come after a step's usual ones, so a seed's mix-1 schedule is the same with any mix.
    int mix = 1;
    std::chrono::milliseconds fault_min{1000};
    std::chrono::milliseconds fault_max{4000};
    std::chrono::milliseconds quiet_min{500};
    std::chrono::milliseconds quiet_max{2000};
    std::chrono::steady_clock::time_point epoch;
};

class Nemesis {
public:
    Nemesis(ChaosCluster& cluster, NemesisOptions options)
        : cluster_(cluster), options_(std::move(options)) {}

    // Runs steps until Stop(), then heals everything (HealAll).
    void Run();

    void Stop() { stopping_ = true; }

    const std::vector<FaultWindow>& windows() const { return windows_; }

private:
    // Sleeps up to `d`, returning early (false) on Stop().
    bool SleepFor(std::chrono::milliseconds d);
    int64_t NowNs() const;
    // Applies `fault` and returns a description; `victim` gets the member Undo() restores.
    std::string Inject(Fault fault, uint64_t target_draw, uint64_t param_draw, int& victim);
    void Undo(Fault fault, int victim);
    // The kMember fault: a companion fault (none, drop or duplicate, from `param_draw`) while
    // a random member is replaced.
    std::string ChangeMembership(uint64_t target_draw, uint64_t param_draw);
    // The faults that join `first` in one step (none when mix is 1 or `first` is kMember).
    std::vector<Fault> DrawCompanions(Fault first, base::Rng& rng) const;
    void SetDropAll(uint32_t ppm);
    void SetDuplicateAll(uint32_t ppm);

    ChaosCluster& cluster_;
    NemesisOptions options_;
    std::atomic<bool> stopping_{false};
    std::vector<FaultWindow> windows_;
};

}  // namespace keel::chaos
