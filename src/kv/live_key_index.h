// An in-memory index of the live keys: user key -> the revision of its latest version.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>

#include "kv/revision.h"
#include "kv/state_reader.h"

namespace keel::kv {

// The latest version of every live key (one not deleted since its last put), as etcd keeps
// its treeIndex in memory: it turns "what is key k now?" on the apply path into a hash
// lookup instead of a RocksDB iterator and a SeekForPrev over the 'k' keyspace. It holds no
// history (reads at past revisions still use the 'k' keyspace) and is never written to disk:
// Build derives it from the store on open, so it cannot disagree with a store that crashed.
// Owned by MvccStore and used only by its apply thread (readers on other threads never
// consult it: they read a RocksDB snapshot, which the index does not describe).
// Invariant: k maps to r iff the newest 'k' entry of k is a put at r (checked by
// MvccStore::CheckInvariants against a fresh Build).
class LiveKeyIndex {
public:
    // The live keys of the store as `reader` sees it: one pass over the 'k' keyspace.
    static LiveKeyIndex Build(const StateReader& reader);

    // The revision of k's latest version, or nullopt if k is absent or deleted.
    std::optional<FullRevision> Find(std::string_view key) const;

    // Records a put of `key` at `revision`, or its deletion (nullopt).
    void Set(std::string_view key, std::optional<FullRevision> revision);

    size_t size() const { return latest_.size(); }

    friend bool operator==(const LiveKeyIndex&, const LiveKeyIndex&) = default;

private:
    absl::flat_hash_map<std::string, FullRevision> latest_;
};

}  // namespace keel::kv
