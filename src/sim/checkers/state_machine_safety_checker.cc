#include "sim/checkers/state_machine_safety_checker.h"

#include <absl/strings/str_format.h>

namespace keel::sim {

void StateMachineSafetyChecker::ObserveApply(NodeId node,
                                             const raft::Entry& entry,
                                             uint64_t chain) {
    const auto [it, inserted] = reference_.try_emplace(entry.index, Applied{entry.term, chain});
    if (inserted) {
        return;
    }
    if (it->second.term != entry.term || it->second.chain != chain) {
        log_->Report("state-machine-safety",
                     absl::StrFormat("node %d applied index %d (term %d) over a history that "
                                     "differs from the one applied first (term %d)",
                                     node.value(),
                                     entry.index.value(),
                                     entry.term.value(),
                                     it->second.term.value()));
    }
}

void StateMachineSafetyChecker::ObserveSnapshot(NodeId node, Index index, uint64_t chain) {
    const auto it = reference_.find(index);
    if (it == reference_.end()) {
        // Only a node that applied up to `index` can have taken the snapshot.
        log_->Report("state-machine-safety",
                     absl::StrFormat("node %d installed a snapshot at %d that no node applied",
                                     node.value(),
                                     index.value()));
        return;
    }
    if (it->second.chain != chain) {
        log_->Report("state-machine-safety",
                     absl::StrFormat("node %d installed a snapshot at %d whose state differs "
                                     "from the applied history",
                                     node.value(),
                                     index.value()));
    }
}

}  // namespace keel::sim
