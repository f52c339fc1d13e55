// The strong types of keel's vocabulary. Every layer names these, so they live in base.
#pragma once

#include "base/strong_id.h"

namespace keel {

// Raft (dissertation §3): terms and log indexes grow; 0 means "none".
using Term = base::StrongCounter<struct TermTag>;
using Index = base::StrongCounter<struct IndexTag>;
// A member of a Raft group. 0 means "no node" (e.g. no vote cast, no known leader).
using NodeId = base::StrongId<struct NodeIdTag>;

// The MVCC store: the cluster-wide revision every write transaction increments.
using Revision = base::StrongCounter<struct RevisionTag>;
using LeaseId = base::StrongId<struct LeaseIdTag>;
using ShardId = base::StrongId<struct ShardIdTag>;

}  // namespace keel
