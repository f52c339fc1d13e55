// A point in the MVCC history: the store-wide revision of a write transaction and the
// position of one change inside it.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>

#include "base/ids.h"

namespace keel::kv {

// Every mutating write transaction (a Put, a DeleteRange that deletes something, a Txn whose
// branch writes, a lease revocation with attached keys) advances the store revision by one;
// each key it changes gets the next sub-revision, so (main, sub) orders every change ever made.
// Invariant: sub < kSubMax; pairs compare lexicographically (main first).
struct FullRevision {
    Revision main;
    uint64_t sub = 0;

    // The largest sub-revision; used as an inclusive upper bound when seeking.
    static constexpr uint64_t kSubMax = std::numeric_limits<uint64_t>::max();

    constexpr auto operator<=>(const FullRevision&) const = default;
};

// The revision of an empty store. As in etcd, a fresh store answers with revision 1 and its
// first write creates revision 2.
inline constexpr Revision kInitialRevision{1};

}  // namespace keel::kv
