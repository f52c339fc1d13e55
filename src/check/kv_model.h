// The sequential specification the checker holds histories to: a map of independent
// registers, each absent or holding a string, with get, put and compare-and-set.
//
// Per-key partitioning (P-compositionality, Herlihy & Wing §3.3; Horn & Kroening 2015): the
// operations on one key only read and write that key, so a history is linearizable iff each
// key's sub-history is. The model therefore describes a single register.
#pragma once

#include <optional>
#include <string>

#include "check/history.h"

namespace keel::check {

// One register's state: nullopt is "absent".
using RegisterState = std::optional<std::string>;

// Applies `op` to `state` as the sequential specification says, if `op`'s recorded output is
// possible from `state`; returns the next state, or nullopt if the output is impossible.
// An op whose outcome is kUnknown has no recorded output: it always applies (its effect is
// decided by `state`). Precondition: op.outcome != kFail (failed ops are removed beforehand).
std::optional<RegisterState> StepRegister(const RegisterState& state, const Operation& op);

}  // namespace keel::check
