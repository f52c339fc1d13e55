#include "sim/checkers/durability_checker.h"

#include <algorithm>

#include <absl/strings/str_format.h>

namespace keel::sim {

void DurabilityChecker::ObserveApply(NodeId node, Index index, const std::string& data) {
    const auto [payload, new_payload] = acked_.try_emplace(data, index);
    if (!new_payload && payload->second != index) {
        log_->Report("durability",
                     absl::StrFormat("node %d applied payload %s at index %d, but it was "
                                     "acknowledged at index %d",
                                     node.value(),
                                     data,
                                     index.value(),
                                     payload->second.value()));
        return;
    }
    const auto [slot, new_slot] = by_index_.try_emplace(index, data);
    if (!new_slot && slot->second != data) {
        log_->Report("durability",
                     absl::StrFormat("node %d applied %s at index %d, where acknowledged "
                                     "payload %s was lost",
                                     node.value(),
                                     data,
                                     index.value(),
                                     slot->second));
    }
}

void DurabilityChecker::CheckFinal(NodeId node, const StateMachine& state) {
    const std::vector<AppliedPayload>& payloads = state.payloads();
    for (const auto& [index, data] : by_index_) {
        if (index > state.applied_index()) {
            log_->Report("durability",
                         absl::StrFormat("node %d ends at index %d, below acknowledged payload "
                                         "%s at %d",
                                         node.value(),
                                         state.applied_index().value(),
                                         data,
                                         index.value()));
            return;
        }
        const auto it = std::lower_bound(
            payloads.begin(), payloads.end(), index, [](const AppliedPayload& p, Index i) {
                return p.index < i;
            });
        if (it == payloads.end() || it->index != index || it->data != data) {
            log_->Report("durability",
                         absl::StrFormat("node %d's final state lost acknowledged payload %s at "
                                         "index %d",
                                         node.value(),
                                         data,
                                         index.value()));
            return;
        }
    }
}

}  // namespace keel::sim
