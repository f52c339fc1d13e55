// WatchOutbox: the bounded queue of watch messages waiting to be written to one Watch stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "base/ids.h"
#include "kv/watch_events.h"

namespace keel::server {

// etcd's watch id: chosen by the client or by the server, unique within one stream.
// Signed as on the wire; kAllWatches (-1) addresses a whole stream.
using WatchId = int64_t;
inline constexpr WatchId kAutoWatchId = 0;
inline constexpr WatchId kAllWatches = -1;

// One WatchResponse to be, in keel's types (the stream converts it to the wire form).
struct WatchMessage {
    enum class Kind : uint8_t {
        kCreated,
        kEvents,
        // An empty response that only reports header_revision (progress_notify, or the answer
        // to a WatchProgressRequest when watch_id is kAllWatches).
        kProgress,
        kCanceled,
    };
    Kind kind = Kind::kEvents;
    WatchId watch_id = kAutoWatchId;
    Revision header_revision;
    // kEvents: whole revisions, oldest first.
    kv::Events events;
    // kEvents: the watcher asked for large responses to be split (WatchCreateRequest.fragment).
    bool fragment = false;
    // kCanceled (and kCreated that failed): why; compact_revision when the start revision was
    // compacted.
    std::string cancel_reason;
    Revision compact_revision;
    // kCreated: the create failed and the watcher does not exist (etcd answers created and
    // canceled at once).
    bool create_failed = false;
};

struct WatchOutboxOptions {
    // The most events and bytes one watcher may have waiting; an Offer beyond either fails
    // and the hub cancels the watcher (a slow reader must not hold unbounded memory).
    size_t pending_events_max = 0;
    size_t pending_bytes_max = 0;
};

// The approximate bytes an event occupies in a response.
size_t EventBytes(const kv::Event& event);

// Whether a queued message wakes the consumer now, or later by Wake() (so that a producer
// queueing many messages in one go wakes it once).
enum class OutboxWake : uint8_t {
    kNow,
    kDeferred,
};

// Owned by one Watch stream. Producers: the watch hub's dispatch thread (Offer and Push, with
// the hub's lock held) and the stream's reader thread (Push). Consumer: the stream's writer
// thread (Pop). Thread-safe.
// Invariant: pending_[id] counts the events and bytes of id's queued kEvents messages.
class WatchOutbox {
public:
    explicit WatchOutbox(WatchOutboxOptions options) : options_(options) {}

    // Queues an events message unless its watcher already has messages waiting and this one
    // would take it over either bound. A watcher with nothing waiting always gets one message
    // through, whatever its size. Returns whether it was queued. With kDeferred the consumer
    // is not woken: the caller must call Wake() once it has queued what it had.
    [[nodiscard]] bool Offer(WatchMessage message, OutboxWake wake = OutboxWake::kNow);
    // Wakes a consumer waiting in Pop or PopAll.
    void Wake();
    // Queues a control message (created, progress, canceled) unconditionally.
    void Push(WatchMessage message);
    // True if `id` has no more than half its bounds waiting (the hub reads history for a
    // watcher only then, so catching up never overflows it).
    bool HasRoom(WatchId id) const;
    // The oldest message, waiting up to `wait`; nullopt on timeout or once closed and empty.
    std::optional<WatchMessage> Pop(std::chrono::milliseconds wait);
    // Every queued message, oldest first, up to `messages_max` (> 0), waiting up to `wait` for
    // the first; empty on timeout or once closed and empty.
    std::vector<WatchMessage> PopAll(std::chrono::milliseconds wait, size_t messages_max);
    // Wakes Pop; later pushes are dropped.
    void Close();
    bool closed() const;
    size_t size() const;

private:
    struct Pending {
        size_t events = 0;
        size_t bytes = 0;
    };

    static size_t MessageBytes(const WatchMessage& message);
    // mu_ held: the front message leaves the queue and its watcher's pending counts.
    WatchMessage PopFrontLocked();

    const WatchOutboxOptions options_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::deque<WatchMessage> queue_;                 // guarded by mu_
    absl::flat_hash_map<WatchId, Pending> pending_;  // guarded by mu_
    bool closed_ = false;                            // guarded by mu_
};

}  // namespace keel::server
