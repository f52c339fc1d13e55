// How deep an invariant check goes. Every type of the core has CheckInvariants(CheckDepth):
// kBounds checks what costs O(1) (or O(members)), kFull also walks every log entry and every
// inflight message.
//
// RawNode checks after every input at kTransitionCheckDepth: the O(1) checks always (release
// included), the O(n) ones in debug, sanitizer and simulation builds (KEEL_DASSERT's rule).
// RawNode::CheckInvariants(), which tests and the simulator call, always checks in full.
#pragma once

#include <cstdint>

#include "base/assert.h"

namespace keel::raft {

enum class CheckDepth : uint8_t {
    kBounds = 0,
    kFull = 1,
};

inline constexpr CheckDepth kTransitionCheckDepth =
    kKeelDassertEnabled ? CheckDepth::kFull : CheckDepth::kBounds;

}  // namespace keel::raft
