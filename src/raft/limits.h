// Named maxima of the Raft core. Limits that several layers must agree on live in
// base/limits.h; these are local to src/raft.
#pragma once

#include <cstddef>

#include "base/limits.h"

namespace keel::raft {

// The most members (voters and learners together) a configuration may name. Quorum
// computations copy one Index per voter onto the stack-like scratch vectors, so keep it small.
inline constexpr size_t kMembersMax = 64;
// The most changes a single ConfChange may carry.
inline constexpr size_t kConfChangesMax = kMembersMax;
// The most bytes of an encoded ConfChange's opaque context.
inline constexpr size_t kConfChangeContextBytesMax = 64 * 1024;
// The most read-index requests a leader queues (waiting for a commit in its term or for a
// heartbeat round); beyond it new requests are dropped back to the caller.
inline constexpr size_t kPendingReadsMax = 64 * 1024;
// The most read-index requests a follower has forwarded to the leader and not yet heard back.
inline constexpr size_t kForwardedReadsMax = 64 * 1024;
// What an entry weighs on the wire beyond its data (term, index, type, framing). Flow control
// counts it so that a stream of empty entries is bounded too.
inline constexpr size_t kEntryOverheadBytes = 24;
// The most entries one incoming AppendEntries may carry.
inline constexpr size_t kAppendEntriesMax = 64 * 1024;

static_assert(kConfChangesMax <= kMembersMax);
static_assert(kConfChangeContextBytesMax < base::kEntryBytesMax,
              "an encoded conf change must fit in one entry");

}  // namespace keel::raft
