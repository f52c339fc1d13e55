// Watcher: one watch on a key or range, resumed automatically after a broken stream or a
// failed member, from the revision after the last event it delivered (so no event is lost or
// delivered twice).
//
// Threading: the Watcher owns one thread that reads the stream and calls the callback on it,
// one batch at a time; the callback must not call Cancel or destroy the Watcher. Cancel and
// the destructor stop the thread and wait for it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/status/status.h>

#include "keel/kv_types.h"

namespace keel::client {

struct WatchEvent {
    enum class Type {
        kPut,
        kDelete
    };
    Type type = Type::kPut;
    KeyValue kv;
    // Set when WatchOptions::prev_kv asked for it and the key existed.
    std::optional<KeyValue> prev_kv;
};

struct WatchOptions {
    bool prefix = false;
    std::string range_end;
    // The first revision to deliver (0: changes after the watch starts).
    int64_t start_revision = 0;
    bool prev_kv = false;
};

// Called with each batch of events (all from one revision or more, in revision order).
using WatchCallback = std::function<void(const std::vector<WatchEvent>& events)>;

class Watcher {
public:
    virtual ~Watcher() = default;

    // Stops watching and joins the thread. Idempotent.
    virtual void Cancel() = 0;

    // OK while watching; the reason once the watch ended on its own (the revision to resume
    // from was compacted, or the server canceled the watch).
    virtual absl::Status status() const = 0;

    // The revision after the last delivered event: where a resumed stream starts.
    virtual int64_t next_revision() const = 0;

    // How many times the stream was re-established.
    virtual uint64_t resumes() const = 0;
};

}  // namespace keel::client
