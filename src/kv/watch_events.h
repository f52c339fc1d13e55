// The change events the store reports to the watch hub, as etcd's mvccpb.Event.
#pragma once

#include <optional>
#include <vector>

#include "kv/key_value.h"

namespace keel::kv {

enum class EventType {
    kPut,
    kDelete,
};

// One change to one key.
// For kPut, kv is the new version. For kDelete, kv carries only the key and, in
// mod_revision, the revision of the delete (as etcd reports it).
// prev_kv is the version the change replaced, when one existed. Mutating applies always fill
// it (they read it anyway); the watch hub strips it for watchers that did not ask for it.
// History() fills it only when HistoryRequest::prev_kv is set.
struct Event {
    EventType type = EventType::kPut;
    KeyValue kv;
    std::optional<KeyValue> prev_kv;

    friend bool operator==(const Event&, const Event&) = default;
};

using Events = std::vector<Event>;

}  // namespace keel::kv
