// A deterministic digest of the MVCC history, for comparing replicas (etcd's HashKV).
#pragma once

#include <absl/status/statusor.h>

#include "kv/response.h"
#include "kv/state_reader.h"

namespace keel::kv {

// CRC32C over the compacted revision and every history record (its RocksDB key and value,
// in revision order) with revision <= `revision` (0: the current one). Two replicas that
// applied the same entries agree; the digest does not depend on RocksDB's file layout.
// The header is left for the caller.
// Errors: CompactedError() at or below the compacted revision (as etcd), FutureRevisionError()
// above current.
absl::StatusOr<HashKvResponse> HashHistory(const StateReader& reader,
                                           Revision revision,
                                           Revision current,
                                           Revision compacted);

}  // namespace keel::kv
