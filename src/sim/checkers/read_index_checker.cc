#include "sim/checkers/read_index_checker.h"

#include <absl/strings/str_format.h>

namespace keel::sim {

void ReadIndexChecker::ObserveRequest(const std::string& context, Index committed) {
    floors_[context] = committed;
}

void ReadIndexChecker::ObserveReadState(NodeId node, const raft::ReadState& read) {
    const auto it = floors_.find(read.context);
    if (it == floors_.end()) {
        log_->Report("read-index",
                     absl::StrFormat("node %d confirmed read context '%s' that was never "
                                     "requested",
                                     node.value(),
                                     read.context));
        return;
    }
    ++confirmed_;
    if (read.index < it->second) {
        log_->Report("read-index",
                     absl::StrFormat("node %d confirmed read '%s' at index %d, but index %d was "
                                     "committed before the read was requested",
                                     node.value(),
                                     read.context,
                                     read.index.value(),
                                     it->second.value()));
    }
}

}  // namespace keel::sim
