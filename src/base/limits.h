// Named maxima shared across layers. Every queue, batch, message and retry in keel has a bound;
// the ones that more than one layer must agree on live here, with their relationships checked
// at compile time. Layer-local limits live in that layer's own limits header.
#pragma once

#include <cstddef>
#include <cstdint>

namespace keel::base {

// The largest client request the server accepts (etcd's default: 1.5 MiB).
inline constexpr size_t kRequestBytesMax = 1536 * 1024;
// The largest single Raft log entry: a request plus its envelope.
inline constexpr size_t kEntryBytesMax = kRequestBytesMax + 64 * 1024;
// The largest peer message (one AppendEntries batch or one snapshot chunk).
inline constexpr size_t kPeerMessageBytesMax = 16 * 1024 * 1024;
// The largest WAL record payload.
inline constexpr size_t kWalRecordBytesMax = kPeerMessageBytesMax;

static_assert(kRequestBytesMax < kEntryBytesMax);
static_assert(kEntryBytesMax <= kPeerMessageBytesMax, "one entry must fit in one message");
static_assert(kEntryBytesMax <= kWalRecordBytesMax, "one entry must fit in one WAL record");

}  // namespace keel::base
