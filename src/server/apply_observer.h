// ApplyObserver: what the apply loop tells the rest of the server about each applied entry.
#pragma once

#include "base/ids.h"
#include "kv/watch_events.h"

namespace keel::server {

// Told about every applied entry that changed the store (the watch hub implements it).
// Threading: called on the node's loop thread, in log order, with the store's lock held; an
// implementation must return quickly and never block on a client.
class ApplyObserver {
public:
    virtual ~ApplyObserver() = default;
    // `events` are the entry's changes, all at `revision` (the store's revision after the
    // entry), in sub-revision order. Never called with no events.
    virtual void OnApplied(Revision revision, kv::Events events) = 0;
    // The store jumped to `revision` without reporting the changes in between (a snapshot
    // was installed): whoever needs them reads them from the store's history.
    virtual void OnRestored(Revision revision) = 0;
};

}  // namespace keel::server
