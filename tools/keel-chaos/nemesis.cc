#include "nemesis.h"

#include <algorithm>
#include <thread>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

#include "base/assert.h"
#include "base/rng.h"
#include "member_change.h"

namespace keel::chaos {
namespace {

using namespace std::chrono_literals;

constexpr auto kSleepSlice = 20ms;
constexpr auto kLeaderWait = 3000ms;

constexpr const char* kNames[] = {"none",
                                  "kill-random",
                                  "kill-leader",
                                  "pause-random",
                                  "pause-leader",
                                  "partition-leader",
                                  "partition-random",
                                  "partition-one-way",
                                  "partition-bridge",
                                  "partition-minority",
                                  "delay",
                                  "drop",
                                  "slow-disk",
                                  "failing-disk",
                                  "member",
                                  "duplicate"};
static_assert(std::size(kNames) == static_cast<size_t>(Fault::kCount));

// Faults that need keeld's proxies or its --debug-* flags (membership changes need the
// proxies too: a joining member is dialed through its inbound proxy).
bool KeeldOnly(Fault f) {
    return f >= Fault::kPartitionLeader;
}

}  // namespace

const char* FaultName(Fault fault) {
    return kNames[static_cast<size_t>(fault)];
}

std::string FaultWindow::Label() const {
    return with.empty() ? FaultName(fault) : "mixed";
}

std::vector<Fault> ParseFaults(const std::string& names) {
    std::vector<Fault> out;
    for (absl::string_view name : absl::StrSplit(names, ',', absl::SkipWhitespace())) {
        if (name == "all") {
            for (size_t f = 1; f < static_cast<size_t>(Fault::kCount); ++f) {
                out.push_back(static_cast<Fault>(f));
            }
            continue;
        }
        bool found = false;
        for (size_t f = 1; f < static_cast<size_t>(Fault::kCount); ++f) {
            if (name == kNames[f]) {
                out.push_back(static_cast<Fault>(f));
                found = true;
            }
        }
        if (!found) {
            return {};
        }
    }
    return out;
}

std::string FaultNames(const std::vector<Fault>& faults) {
    std::string out;
    for (const Fault f : faults) {
        out += (out.empty() ? "" : ",") + std::string(FaultName(f));
    }
    return out;
}

std::vector<Fault> SupportedFaults(Flavor flavor) {
    std::vector<Fault> out;
    for (size_t f = 1; f < static_cast<size_t>(Fault::kCount); ++f) {
        if (flavor == Flavor::kKeeld || !KeeldOnly(static_cast<Fault>(f))) {
            out.push_back(static_cast<Fault>(f));
        }
    }
    return out;
}

int64_t Nemesis::NowNs() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now()
                                                                - options_.epoch)
        .count();
}

bool Nemesis::SleepFor(std::chrono::milliseconds d) {
    const auto until = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < until) {
        if (stopping_) {
            return false;
        }
        std::this_thread::sleep_for(kSleepSlice);
    }
    return !stopping_;
}

void Nemesis::SetDropAll(uint32_t ppm) {
    const std::vector<int> current = cluster_.Current();
    for (const int i : current) {
        for (const int j : current) {
            if (i != j) {
                cluster_.Link(i, j).SetDropPpm(ppm);
            }
        }
    }
}

void Nemesis::SetDuplicateAll(uint32_t ppm) {
    for (const int i : cluster_.Current()) {
        cluster_.SetDuplicatePpm(i, ppm);
    }
}

std::string Nemesis::ChangeMembership(uint64_t target_draw, uint64_t param_draw) {
    const std::vector<int> current = cluster_.Current();
    const int victim = current[target_draw % current.size()];
    std::string companion = "no other fault";
    switch (param_draw % 3) {
        case 1:
            SetDropAll(5000);
            companion = "drop 50 in 10000 chunks";
            break;
        case 2:
            SetDuplicateAll(200000);
            companion = "duplicate 20% of batches";
            break;
        default:
            break;
    }
    const MemberChangeOrder order = (param_draw / 3) % 2 == 0 ? MemberChangeOrder::kAddThenRemove
                                                              : MemberChangeOrder::kRemoveThenAdd;
    return ChangeMembers(cluster_, MemberChangeOptions{.victim = victim, .order = order}, stopping_)
           + "; during " + companion;
}

std::string Nemesis::Inject(Fault fault, uint64_t target_draw, uint64_t param_draw, int& victim) {
    // Members are drawn from the current membership (membership changes retire slots).
    const std::vector<int> current = cluster_.Current();
    const int n = static_cast<int>(current.size());
    const auto slot = [&](int k) {
        return current[static_cast<size_t>(k % n)];
    };
    const bool wants_leader = fault == Fault::kKillLeader || fault == Fault::kPauseLeader
                              || fault == Fault::kPartitionLeader
                              || fault == Fault::kPartitionOneWay || fault == Fault::kSlowDisk
                              || fault == Fault::kFailingDisk || fault == Fault::kPartitionMinority;
    victim = slot(static_cast<int>(target_draw % static_cast<uint64_t>(n)));
    std::string who = "m" + std::to_string(victim + 1);
    if (wants_leader) {
        const std::optional<int> leader = cluster_.WaitForLeader(kLeaderWait);
        if (leader.has_value()) {
            victim = *leader;
            who = "m" + std::to_string(victim + 1) + " (leader)";
        } else {
            who += " (no leader found)";
        }
    }
    switch (fault) {
        case Fault::kKillRandom:
        case Fault::kKillLeader:
            cluster_.Kill(victim);
            return who;
        case Fault::kPauseRandom:
        case Fault::kPauseLeader:
            cluster_.Pause(victim);
            return who;
        case Fault::kPartitionLeader:
        case Fault::kPartitionRandom:
            cluster_.Isolate(victim, true);
            return who;
        case Fault::kPartitionOneWay:
            for (const int j : current) {
                if (j != victim) {
                    cluster_.Link(victim, j).SetPartitioned(true);
                }
            }
            return who + " cannot send";
        case Fault::kPartitionBridge: {
            const int k = static_cast<int>(target_draw % static_cast<uint64_t>(n));
            const int a = slot(k + 1);
            const int b = slot(k + 2);
            cluster_.Link(a, b).SetPartitioned(true);
            cluster_.Link(b, a).SetPartitioned(true);
            return "m" + std::to_string(a + 1) + " x m" + std::to_string(b + 1) + ", bridge " + who;
        }
        case Fault::kPartitionMinority: {
            // The largest minority: the victim plus (n-1)/2 - 1 others picked by param_draw.
            // minority[] is indexed by position in `current`.
            std::vector<bool> minority(static_cast<size_t>(n), false);
            const auto pos = static_cast<size_t>(std::find(current.begin(), current.end(), victim)
                                                 - current.begin());
            minority[pos] = true;
            std::string names = "m" + std::to_string(victim + 1);
            auto next = static_cast<size_t>(param_draw % static_cast<uint64_t>(n));
            for (int picked = 1; picked < (n - 1) / 2; ++picked) {
                while (minority[next]) {
                    next = (next + 1) % static_cast<size_t>(n);
                }
                minority[next] = true;
                names += ",m" + std::to_string(current[next] + 1);
            }
            for (size_t i = 0; i < current.size(); ++i) {
                for (size_t j = 0; j < current.size(); ++j) {
                    if (minority[i] != minority[j]) {
                        cluster_.Link(current[i], current[j]).SetPartitioned(true);
                    }
                }
            }
            return who + ": {" + names + "} cut off from the majority";
        }
        case Fault::kDelay: {
            const auto delay = std::chrono::milliseconds(20 + param_draw % 131);
            for (const int i : current) {
                for (const int j : current) {
                    if (i != j) {
                        cluster_.Link(i, j).SetDelay(delay);
                    }
                }
            }
            return std::to_string(delay.count()) + " ms";
        }
        case Fault::kDrop: {
            const auto ppm = static_cast<uint32_t>(5000 + param_draw % 25001);
            SetDropAll(ppm);
            return std::to_string(ppm / 100) + " in 10000 chunks";
        }
        case Fault::kSlowDisk: {
            const int delay_ms = static_cast<int>(50 + param_draw % 451);
            cluster_.SetFsyncDelay(victim, delay_ms);
            return who + " " + std::to_string(delay_ms) + " ms per fsync";
        }
        case Fault::kFailingDisk:
            cluster_.FailDisk(victim);
            return who + " fsync fails with EIO";
        case Fault::kMember:
            return ChangeMembership(target_draw, param_draw);
        case Fault::kDuplicate: {
            const auto ppm = static_cast<uint32_t>(100000 + param_draw % 400001);
            SetDuplicateAll(ppm);
            return std::to_string(ppm / 10000) + "% of received batches twice";
        }
        case Fault::kNone:
        case Fault::kCount:
            break;
    }
    KEEL_ASSERT_MSG(false, "not a fault: %d", static_cast<int>(fault));
    return "";
}

void Nemesis::Undo(Fault fault, int victim) {
    switch (fault) {
        case Fault::kKillRandom:
        case Fault::kKillLeader:
            cluster_.Start(victim);
            return;
        case Fault::kPauseRandom:
        case Fault::kPauseLeader:
            cluster_.Resume(victim);
            return;
        default:
            cluster_.HealAll();
            return;
    }
}

std::vector<Fault> Nemesis::DrawCompanions(Fault first, base::Rng& rng) const {
    std::vector<Fault> with;
    if (options_.mix <= 1 || first == Fault::kMember) {
        return with;
    }
    std::vector<Fault> candidates;
    for (const Fault f : options_.faults) {
        if (f != first && f != Fault::kMember
            && std::find(candidates.begin(), candidates.end(), f) == candidates.end()) {
            candidates.push_back(f);
        }
    }
    // Up to mix-1 others, the count drawn too (a mixed step may still be a single fault).
    const auto extra =
        std::min<uint64_t>(rng.Uniform(static_cast<uint64_t>(options_.mix)), candidates.size());
    for (uint64_t k = 0; k < extra; ++k) {
        const size_t pick = rng.Uniform(candidates.size());
        with.push_back(candidates[pick]);
        candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
    }
    return with;
}

void Nemesis::Run() {
    KEEL_ASSERT(!options_.faults.empty());
    base::Rng rng(options_.seed);
    while (!stopping_) {
        const auto quiet = std::chrono::milliseconds(
            rng.Range(options_.quiet_min.count(), options_.quiet_max.count()));
        const Fault fault = options_.faults[rng.Uniform(options_.faults.size())];
        const auto duration = std::chrono::milliseconds(
            rng.Range(options_.fault_min.count(), options_.fault_max.count()));
        const uint64_t target_draw = rng.Next();
        const uint64_t param_draw = rng.Next();
        const std::vector<Fault> with = DrawCompanions(fault, rng);
        // Each companion's own target and parameter draws.
        std::vector<std::pair<uint64_t, uint64_t>> with_draws;
        for (size_t k = 0; k < with.size(); ++k) {
            with_draws.emplace_back(rng.Next(), rng.Next());
        }
        if (!SleepFor(quiet)) {
            break;
        }
        int victim = 0;
        FaultWindow window{.fault = fault, .with = with, .start_ns = NowNs()};
        window.detail = Inject(fault, target_draw, param_draw, victim);
        for (size_t k = 0; k < with.size(); ++k) {
            int ignored = 0;
            window.detail +=
                absl::StrCat(" + ",
                             FaultName(with[k]),
                             " ",
                             Inject(with[k], with_draws[k].first, with_draws[k].second, ignored));
        }
        SleepFor(duration);
        if (with.empty()) {
            Undo(fault, victim);
        } else {
            cluster_.HealAll();  // restarts, resumes and heals whatever the faults broke
        }
        window.end_ns = NowNs();
        windows_.push_back(std::move(window));
    }
    cluster_.HealAll();
}

}  // namespace keel::chaos
