#include "sim/checkers/election_safety_checker.h"

#include <absl/strings/str_format.h>

namespace keel::sim {

void ElectionSafetyChecker::ObserveLeader(NodeId node, Term term) {
    const auto [it, inserted] = leaders_.emplace(term, node);
    if (!inserted && it->second != node) {
        log_->Report("election-safety",
                     absl::StrFormat("two leaders in term %d: node %d and node %d",
                                     term.value(),
                                     it->second.value(),
                                     node.value()));
    }
}

}  // namespace keel::sim
