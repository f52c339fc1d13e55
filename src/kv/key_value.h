// The versioned key-value pair, as etcd's mvccpb.KeyValue.
#pragma once

#include <cstdint>
#include <string>

#include "base/ids.h"

namespace keel::kv {

// One version of one key.
// Invariant: for a live key, create_revision <= mod_revision and version >= 1; version counts
// the puts since the key was (re)created and restarts at 1 after a delete.
struct KeyValue {
    std::string key;
    Revision create_revision;
    Revision mod_revision;
    int64_t version = 0;
    std::string value;
    LeaseId lease;

    friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

}  // namespace keel::kv
