// Membership changes as pure functions on ConfState: validation and application of a
// ConfChange by joint consensus (dissertation §4.3) or by the single-server rule (§4.1).
//
// The Raft core calls these when a conf change is proposed (to reject invalid ones early) and
// when one is applied; the result depends only on the inputs, so every member computes the
// same configuration from the same log.
#pragma once

#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "raft/types.h"

namespace keel::raft {

// Checks the structural rules of a configuration. Returns InvalidArgument naming the broken
// rule. The rules (each list sorted and free of duplicates, no node id 0):
//   Invariant: `voters` is not empty.
//   Invariant: `learners` is disjoint from `voters` and from `voters_outgoing`.
//   Invariant: `learners_next` is a subset of `voters_outgoing` and disjoint from `voters`.
//   Invariant: outside joint consensus `learners_next` is empty and `auto_leave` is false.
absl::Status ValidateConfState(const ConfState& conf);

bool IsJoint(const ConfState& conf);

// True if `id` is a voter of the incoming or the outgoing configuration.
bool IsVoter(const ConfState& conf, NodeId id);

// True if `id` is named anywhere in the configuration.
bool IsMember(const ConfState& conf, NodeId id);

// Every member, sorted: voters of both halves, learners and learners_next.
std::vector<NodeId> AllMembers(const ConfState& conf);

// True if `change` is carried out by the single-server protocol (§4.1): transition kAuto and
// at most one change, which alters the voter set by at most one member.
bool IsSimpleChange(const ConfState& current, const ConfChange& change);

// Returns the configuration that results from applying `change` to `current`, or
// InvalidArgument if the change is not allowed: leaving a joint configuration when not in one,
// entering one while in one, a change naming a node twice or naming node 0, adding a voter
// that is already a voter (or a learner that is already a learner), removing a non-member, a
// result with no voters, or a single-server change that alters more than one voter.
// Postcondition: the result passes ValidateConfState().
absl::StatusOr<ConfState> ApplyConfChangeToConf(const ConfState& current, const ConfChange& change);

}  // namespace keel::raft
