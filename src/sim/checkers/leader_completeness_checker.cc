#include "sim/checkers/leader_completeness_checker.h"

#include <absl/strings/str_format.h>

namespace keel::sim {

void LeaderCompletenessChecker::ObserveNewLeader(NodeId node, Term term) {
    const Index committed = commits_->committed_index();
    if (committed.is_none()) {
        return;
    }
    if (logs_->LastIndex(node) < committed) {
        log_->Report("leader-completeness",
                     absl::StrFormat("node %d leads term %d with last index %d, but index %d "
                                     "is committed",
                                     node.value(),
                                     term.value(),
                                     logs_->LastIndex(node).value(),
                                     committed.value()));
        return;
    }
    // A leader whose snapshot lies beyond the commit point holds it inside the snapshot, which
    // the state-machine checker verifies; otherwise the prefix hashes must agree.
    const std::optional<uint64_t> mine = logs_->PrefixHash(node, committed);
    const std::optional<uint64_t> expected = commits_->CommittedHash(committed);
    if (mine.has_value() && expected.has_value() && *mine != *expected) {
        log_->Report("leader-completeness",
                     absl::StrFormat("node %d leads term %d without the committed log up to "
                                     "index %d",
                                     node.value(),
                                     term.value(),
                                     committed.value()));
    }
}

}  // namespace keel::sim
