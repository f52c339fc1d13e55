#include "server/watch_outbox.h"

#include <algorithm>

#include "base/assert.h"

namespace keel::server {
namespace {

// What an event costs beyond its keys and values on the wire (revisions, version, lease,
// framing): an estimate, used only for the buffer bound.
constexpr size_t kEventOverheadBytes = 48;

}  // namespace

size_t EventBytes(const kv::Event& event) {
    size_t bytes = kEventOverheadBytes + event.kv.key.size() + event.kv.value.size();
    if (event.prev_kv.has_value()) {
        bytes += kEventOverheadBytes + event.prev_kv->key.size() + event.prev_kv->value.size();
    }
    return bytes;
}

size_t WatchOutbox::MessageBytes(const WatchMessage& message) {
    size_t bytes = 0;
    for (const kv::Event& event : message.events) {
        bytes += EventBytes(event);
    }
    return bytes;
}

bool WatchOutbox::Offer(WatchMessage message, OutboxWake wake) {
    KEEL_ASSERT(message.kind == WatchMessage::Kind::kEvents);
    KEEL_ASSERT(!message.events.empty());
    const size_t bytes = MessageBytes(message);
    std::lock_guard lock(mu_);
    if (closed_) {
        return true;
    }
    Pending& pending = pending_[message.watch_id];
    const bool empty = pending.events == 0;
    if (!empty
        && (pending.events + message.events.size() > options_.pending_events_max
            || pending.bytes + bytes > options_.pending_bytes_max)) {
        return false;
    }
    pending.events += message.events.size();
    pending.bytes += bytes;
    queue_.push_back(std::move(message));
    if (wake == OutboxWake::kNow) {
        cv_.notify_one();
    }
    return true;
}

void WatchOutbox::Wake() {
    std::lock_guard lock(mu_);
    cv_.notify_one();
}

void WatchOutbox::Push(WatchMessage message) {
    KEEL_ASSERT(message.kind != WatchMessage::Kind::kEvents);
    std::lock_guard lock(mu_);
    if (closed_) {
        return;
    }
    queue_.push_back(std::move(message));
    cv_.notify_one();
}

bool WatchOutbox::HasRoom(WatchId id) const {
    std::lock_guard lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) {
        return true;
    }
    return it->second.events <= options_.pending_events_max / 2
           && it->second.bytes <= options_.pending_bytes_max / 2;
}

std::optional<WatchMessage> WatchOutbox::Pop(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) {
        return std::nullopt;
    }
    return PopFrontLocked();
}

std::vector<WatchMessage> WatchOutbox::PopAll(std::chrono::milliseconds wait,
                                              size_t messages_max) {
    KEEL_ASSERT(messages_max > 0);
    std::vector<WatchMessage> out;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return closed_ || !queue_.empty(); });
    out.reserve(std::min(queue_.size(), messages_max));
    while (!queue_.empty() && out.size() < messages_max) {
        out.push_back(PopFrontLocked());
    }
    return out;
}

WatchMessage WatchOutbox::PopFrontLocked() {
    KEEL_ASSERT(!queue_.empty());
    WatchMessage message = std::move(queue_.front());
    queue_.pop_front();
    if (message.kind == WatchMessage::Kind::kEvents) {
        auto it = pending_.find(message.watch_id);
        KEEL_ASSERT(it != pending_.end());
        const size_t bytes = MessageBytes(message);
        KEEL_ASSERT(it->second.events >= message.events.size());
        KEEL_ASSERT(it->second.bytes >= bytes);
        it->second.events -= message.events.size();
        it->second.bytes -= bytes;
        if (it->second.events == 0) {
            pending_.erase(it);
        }
    }
    return message;
}

void WatchOutbox::Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
}

bool WatchOutbox::closed() const {
    std::lock_guard lock(mu_);
    return closed_;
}

size_t WatchOutbox::size() const {
    std::lock_guard lock(mu_);
    return queue_.size();
}

}  // namespace keel::server
