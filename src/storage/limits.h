// The storage layer's own maxima (base/limits.h holds the ones shared across layers).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/limits.h"

namespace keel::storage {

// The default size of one WAL segment file, preallocated when it is created.
inline constexpr uint64_t kSegmentBytesDefault = 64 * 1024 * 1024;
// The smallest segment size accepted (tests use small segments to exercise rotation).
inline constexpr uint64_t kSegmentBytesMin = 4096;
// The largest segment size accepted: offsets inside a segment fit in 32 bits.
inline constexpr uint64_t kSegmentBytesMax = uint64_t{1} << 32;
// The most members one configuration list may name in a decoded snapshot marker; a larger
// count in a record is corruption, not a configuration.
inline constexpr uint32_t kConfMembersMax = 4096;
// The size of one checksummed chunk in a snapshot file.
inline constexpr uint32_t kSnapshotChunkBytesDefault = 1024 * 1024;
// The most records the group committer queues before proposers wait.
inline constexpr size_t kGroupCommitQueueMax = 65536;
// The most entries one group-commit batch writes with one fdatasync.
inline constexpr size_t kGroupCommitBatchMax = 4096;

static_assert(kSegmentBytesMin <= kSegmentBytesDefault);
static_assert(kSegmentBytesDefault <= kSegmentBytesMax);
static_assert(base::kWalRecordBytesMax < kSegmentBytesDefault / 2,
              "the largest record must fit in a default segment with room to spare");
static_assert(kGroupCommitBatchMax <= kGroupCommitQueueMax);

}  // namespace keel::storage
