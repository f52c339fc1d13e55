// Violation: what a checker found wrong, and the log the checkers report into.
//
// Checkers never abort: they describe the broken property, and the simulator stops the run and
// prints the seed, the step and the replay command (simulator.h).
//
// Owned by the cluster harness; single-threaded.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keel::sim {

struct Violation {
    std::string checker;  // e.g. "election-safety"
    std::string detail;   // what was observed, with node ids, terms and indexes
};

class ViolationLog {
public:
    void Report(std::string_view checker, std::string detail) {
        violations_.push_back({std::string(checker), std::move(detail)});
    }

    bool empty() const { return violations_.empty(); }

    const std::vector<Violation>& violations() const { return violations_; }

private:
    std::vector<Violation> violations_;
};

}  // namespace keel::sim
