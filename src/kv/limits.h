// Named maxima of the MVCC state machine.
#pragma once

#include <cstddef>
#include <cstdint>

namespace keel::kv {

// The most operations one Txn may list in its compare, success or failure list (each list is
// counted on its own, as etcd does); etcd's default for --max-txn-ops.
inline constexpr size_t kTxnOpsMaxDefault = 128;

// The longest lease TTL a client may ask for (etcd's MaxLeaseTTL, about 285 years).
inline constexpr int64_t kLeaseTtlSecondsMax = 9'000'000'000;

// The most events one History call returns before it stops at a revision boundary; the caller
// continues from HistoryResponse::next_revision.
inline constexpr size_t kHistoryEventsMax = 4096;

// How deeply Txn requests may nest. etcd has no explicit bound; keel names one so that a
// malicious request cannot exhaust the stack of the recursive validator and executor.
inline constexpr size_t kTxnDepthMax = 16;

static_assert(kTxnOpsMaxDefault > 0);
static_assert(kHistoryEventsMax > 0);

}  // namespace keel::kv
