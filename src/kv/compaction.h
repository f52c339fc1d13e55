// Physical compaction of the MVCC history.
#pragma once

#include <cstdint>

#include <rocksdb/write_batch_base.h>

#include "base/ids.h"
#include "kv/state_reader.h"

namespace keel::kv {

// Stages in `batch` the removal of every version at or below `at` except each key's latest
// one there, which goes too if it is a tombstone (etcd's keyIndex.compact rule). Reads at
// revisions >= `at` see the same keys before and after. Returns the number of versions
// removed. `reader` must not read through `batch`.
uint64_t StageCompaction(const StateReader& reader, Revision at, rocksdb::WriteBatchBase* batch);

}  // namespace keel::kv
