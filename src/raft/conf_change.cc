#include "raft/conf_change.h"

#include <algorithm>
#include <set>

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "raft/limits.h"

namespace keel::raft {
namespace {

bool Contains(const std::vector<NodeId>& ids, NodeId id) {
    return std::binary_search(ids.begin(), ids.end(), id);
}

void Insert(std::vector<NodeId>& ids, NodeId id) {
    auto it = std::lower_bound(ids.begin(), ids.end(), id);
    if (it == ids.end() || *it != id) {
        ids.insert(it, id);
    }
}

void Erase(std::vector<NodeId>& ids, NodeId id) {
    auto it = std::lower_bound(ids.begin(), ids.end(), id);
    if (it != ids.end() && *it == id) {
        ids.erase(it);
    }
}

absl::Status ValidateList(const std::vector<NodeId>& ids, const char* name) {
    for (size_t i = 0; i < ids.size(); ++i) {
        if (ids[i].is_none()) {
            return absl::InvalidArgumentError(absl::StrFormat("%s names node 0", name));
        }
        if (i > 0 && !(ids[i - 1] < ids[i])) {
            return absl::InvalidArgumentError(
                absl::StrFormat("%s is not sorted or has duplicates", name));
        }
    }
    return absl::OkStatus();
}

bool Disjoint(const std::vector<NodeId>& a, const std::vector<NodeId>& b) {
    return std::none_of(a.begin(), a.end(), [&](NodeId id) { return Contains(b, id); });
}

// Validates the list of changes on its own: bounded, no node 0, no node twice.
absl::Status ValidateChanges(const ConfChange& change) {
    if (change.changes.size() > kConfChangesMax) {
        return absl::InvalidArgumentError("too many changes in one conf change");
    }
    std::set<NodeId> seen;
    for (const ConfChangeSingle& single : change.changes) {
        if (single.node.is_none()) {
            return absl::InvalidArgumentError("conf change names node 0");
        }
        if (!seen.insert(single.node).second) {
            return absl::InvalidArgumentError(
                absl::StrFormat("conf change names node %d twice", single.node.value()));
        }
    }
    return absl::OkStatus();
}

// Checks that `single` makes sense against `conf` (the configuration before the change).
absl::Status ValidateSingle(const ConfState& conf, const ConfChangeSingle& single) {
    const NodeId id = single.node;
    switch (single.type) {
        case ConfChangeType::kAddVoter:
            if (Contains(conf.voters, id)) {
                return absl::InvalidArgumentError(
                    absl::StrFormat("%d is already a voter", id.value()));
            }
            return absl::OkStatus();
        case ConfChangeType::kAddLearner:
            if (Contains(conf.learners, id)) {
                return absl::InvalidArgumentError(
                    absl::StrFormat("%d is already a learner", id.value()));
            }
            return absl::OkStatus();
        case ConfChangeType::kRemoveNode:
            if (!IsMember(conf, id)) {
                return absl::InvalidArgumentError(
                    absl::StrFormat("%d is not a member", id.value()));
            }
            return absl::OkStatus();
    }
    return absl::InvalidArgumentError("unknown conf change type");
}

// The single-server protocol (§4.1): the change takes effect in one step.
void ApplySimple(ConfState& conf, const ConfChangeSingle& single) {
    switch (single.type) {
        case ConfChangeType::kAddVoter:
            Erase(conf.learners, single.node);
            Insert(conf.voters, single.node);
            return;
        case ConfChangeType::kAddLearner:
            Erase(conf.voters, single.node);
            Insert(conf.learners, single.node);
            return;
        case ConfChangeType::kRemoveNode:
            Erase(conf.voters, single.node);
            Erase(conf.learners, single.node);
            return;
    }
}

// One change of a joint transition, applied to the incoming half. A voter of C_old that is
// demoted cannot be a learner while it still votes in C_old; it waits in learners_next.
void ApplyJoint(ConfState& conf, const ConfChangeSingle& single) {
    const NodeId id = single.node;
    switch (single.type) {
        case ConfChangeType::kAddVoter:
            Erase(conf.learners, id);
            Erase(conf.learners_next, id);
            Insert(conf.voters, id);
            return;
        case ConfChangeType::kAddLearner:
            Erase(conf.voters, id);
            if (Contains(conf.voters_outgoing, id)) {
                Insert(conf.learners_next, id);
            } else {
                Insert(conf.learners, id);
            }
            return;
        case ConfChangeType::kRemoveNode:
            Erase(conf.voters, id);
            Erase(conf.learners, id);
            Erase(conf.learners_next, id);
            return;
    }
}

absl::StatusOr<ConfState> LeaveJoint(const ConfState& current) {
    if (!IsJoint(current)) {
        return absl::InvalidArgumentError("not in a joint configuration");
    }
    ConfState next = current;
    next.voters_outgoing.clear();
    for (NodeId id : next.learners_next) {
        Insert(next.learners, id);
    }
    next.learners_next.clear();
    next.auto_leave = false;
    return next;
}

size_t SymmetricDifference(const std::vector<NodeId>& a, const std::vector<NodeId>& b) {
    std::vector<NodeId> diff;
    std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(diff));
    return diff.size();
}

}  // namespace

absl::Status ValidateConfState(const ConfState& conf) {
    if (absl::Status s = ValidateList(conf.voters, "voters"); !s.ok()) {
        return s;
    }
    if (absl::Status s = ValidateList(conf.learners, "learners"); !s.ok()) {
        return s;
    }
    if (absl::Status s = ValidateList(conf.voters_outgoing, "voters_outgoing"); !s.ok()) {
        return s;
    }
    if (absl::Status s = ValidateList(conf.learners_next, "learners_next"); !s.ok()) {
        return s;
    }
    if (conf.voters.empty()) {
        return absl::InvalidArgumentError("configuration has no voters");
    }
    if (AllMembers(conf).size() > kMembersMax) {
        return absl::InvalidArgumentError("configuration has too many members");
    }
    if (!Disjoint(conf.learners, conf.voters) || !Disjoint(conf.learners, conf.voters_outgoing)) {
        return absl::InvalidArgumentError("a learner is also a voter");
    }
    if (!Disjoint(conf.learners_next, conf.voters)) {
        return absl::InvalidArgumentError("a pending learner is also an incoming voter");
    }
    for (NodeId id : conf.learners_next) {
        if (!Contains(conf.voters_outgoing, id)) {
            return absl::InvalidArgumentError("a pending learner is not an outgoing voter");
        }
    }
    if (!IsJoint(conf) && conf.auto_leave) {
        return absl::InvalidArgumentError("auto_leave set outside joint consensus");
    }
    return absl::OkStatus();
}

bool IsJoint(const ConfState& conf) {
    return !conf.voters_outgoing.empty();
}

bool IsVoter(const ConfState& conf, NodeId id) {
    return Contains(conf.voters, id) || Contains(conf.voters_outgoing, id);
}

bool IsMember(const ConfState& conf, NodeId id) {
    return IsVoter(conf, id) || Contains(conf.learners, id) || Contains(conf.learners_next, id);
}

std::vector<NodeId> AllMembers(const ConfState& conf) {
    std::vector<NodeId> all;
    for (const auto* list :
         {&conf.voters, &conf.voters_outgoing, &conf.learners, &conf.learners_next}) {
        for (NodeId id : *list) {
            Insert(all, id);
        }
    }
    return all;
}

bool IsSimpleChange(const ConfState& current, const ConfChange& change) {
    if (change.transition != ConfChangeTransition::kAuto || change.changes.size() > 1) {
        return false;
    }
    if (change.changes.empty()) {
        return false;
    }
    ConfState next = current;
    ApplySimple(next, change.changes[0]);
    return SymmetricDifference(current.voters, next.voters) <= 1;
}

absl::StatusOr<ConfState> ApplyConfChangeToConf(const ConfState& current,
                                                const ConfChange& change) {
    // A node joining an existing group may start from the empty configuration.
    if (current != ConfState{}) {
        KEEL_ASSERT(ValidateConfState(current).ok());
    }
    if (change.is_leave_joint()) {
        return LeaveJoint(current);
    }
    if (IsJoint(current)) {
        return absl::InvalidArgumentError("already in a joint configuration");
    }
    if (absl::Status s = ValidateChanges(change); !s.ok()) {
        return s;
    }
    for (const ConfChangeSingle& single : change.changes) {
        if (absl::Status s = ValidateSingle(current, single); !s.ok()) {
            return s;
        }
    }
    ConfState next = current;
    if (IsSimpleChange(current, change)) {
        ApplySimple(next, change.changes[0]);
    } else {
        next.voters_outgoing = current.voters;
        for (const ConfChangeSingle& single : change.changes) {
            ApplyJoint(next, single);
        }
        next.auto_leave = change.transition != ConfChangeTransition::kJointExplicit;
    }
    if (absl::Status s = ValidateConfState(next); !s.ok()) {
        return s;
    }
    return next;
}

}  // namespace keel::raft
