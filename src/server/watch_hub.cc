#include "server/watch_hub.h"

#include <algorithm>
#include <vector>

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "kv/errors.h"

namespace keel::server {
namespace {

// How long the dispatch thread sleeps when only unsynced watchers with full outboxes remain
// (they drain without telling the hub).
constexpr std::chrono::milliseconds kCatchUpPollInterval{20};
// The most unsynced watchers served one history read per round, so that live dispatch is never
// starved by many watchers catching up.
constexpr size_t kCatchUpWatchersPerRound = 8;

bool Filtered(const WatchSpec& spec, const kv::Event& event) {
    return (event.type == kv::EventType::kPut && spec.filter_put)
           || (event.type == kv::EventType::kDelete && spec.filter_delete);
}

}  // namespace

WatchHub::WatchHub(WatchHubOptions options)
    : options_(std::move(options)),
      dispatched_revision_(options_.initial_revision),
      published_revision_(options_.initial_revision) {
    KEEL_ASSERT(options_.history != nullptr);
    KEEL_ASSERT(options_.compacted_revision != nullptr);
    KEEL_ASSERT(options_.history_events_per_read > 0);
}

WatchHub::~WatchHub() {
    Stop();
}

void WatchHub::Start() {
    KEEL_ASSERT(!thread_.joinable());
    thread_ = std::thread([this] { Loop(); });
}

void WatchHub::Stop() {
    {
        std::lock_guard lock(inbox_mu_);
        stopping_ = true;
        inbox_cv_.notify_all();
    }
    if (thread_.joinable()) {
        thread_.join();
    }
}

void WatchHub::OnApplied(Revision revision, kv::Events events) {
    KEEL_ASSERT(!events.empty());
    std::lock_guard lock(inbox_mu_);
    KEEL_ASSERT_MSG(revision > published_revision_,
                    "revision %d applied after %d",
                    revision.value(),
                    published_revision_.value());
    published_revision_ = revision;
    if (inbox_events_ + events.size() > options_.inbox_events_max) {
        // Dispatch fell behind apply. Apply must not wait, so drop the queued changes: the
        // store has them, and every watcher that needed them reads them from history.
        std::erase_if(inbox_,
                      [](const InboxItem& item) { return item.progress_outbox == nullptr; });
        inbox_events_ = 0;
        dropped_through_ = revision;
        inbox_cv_.notify_one();
        return;
    }
    inbox_events_ += events.size();
    inbox_.push_back(InboxItem{.revision = revision, .events = std::move(events)});
    inbox_cv_.notify_one();
}

void WatchHub::OnRestored(Revision revision) {
    std::lock_guard lock(inbox_mu_);
    KEEL_ASSERT_MSG(revision >= published_revision_,
                    "restored revision %d is below %d",
                    revision.value(),
                    published_revision_.value());
    published_revision_ = revision;
    std::erase_if(inbox_, [](const InboxItem& item) { return item.progress_outbox == nullptr; });
    inbox_events_ = 0;
    dropped_through_ = revision;
    inbox_cv_.notify_one();
}

absl::StatusOr<WatchId> WatchHub::Add(WatchOutbox* outbox,
                                      WatchId requested,
                                      const WatchSpec& spec) {
    KEEL_ASSERT(!spec.key.empty());
    kv::KeyRange range = kv::KeyRange::FromRequest(spec.key, spec.range_end);
    if (range.IsEmpty()) {
        return absl::InvalidArgumentError("mvcc: watcher range is empty");
    }
    // As etcd, a start below the compacted revision fails even when the changes are still
    // queued for dispatch.
    const Revision compacted = options_.compacted_revision();
    std::lock_guard lock(mu_);
    OutboxState& state = outboxes_[outbox];
    WatchId id = requested;
    if (id == kAutoWatchId) {
        while (state.watchers.contains(state.next_auto_id)) {
            ++state.next_auto_id;
        }
        id = state.next_auto_id++;
    } else if (state.watchers.contains(id)) {
        return absl::AlreadyExistsError("mvcc: duplicate watch ID provided on the WatchStream");
    }
    Revision published;
    {
        std::lock_guard inbox_lock(inbox_mu_);
        published = published_revision_;
        wake_ = true;
        inbox_cv_.notify_one();
    }
    Watcher w{.outbox = outbox, .id = id, .spec = spec, .range = std::move(range)};
    w.next_revision = spec.start_revision.is_none() ? published.Next() : spec.start_revision;
    w.synced = w.next_revision > dispatched_revision_;
    outbox->Push(WatchMessage{
        .kind = WatchMessage::Kind::kCreated, .watch_id = id, .header_revision = published});
    if (!spec.start_revision.is_none() && spec.start_revision < compacted) {
        outbox->Push(WatchMessage{.kind = WatchMessage::Kind::kCanceled,
                                  .watch_id = id,
                                  .header_revision = published,
                                  .compact_revision = compacted});
        return id;
    }
    const uint64_t key = next_key_++;
    state.watchers[id] = key;
    watchers_.emplace(key, std::move(w));
    return id;
}

bool WatchHub::Cancel(WatchOutbox* outbox, WatchId id) {
    std::lock_guard lock(mu_);
    auto state = outboxes_.find(outbox);
    if (state == outboxes_.end()) {
        return false;
    }
    auto it = state->second.watchers.find(id);
    if (it == state->second.watchers.end()) {
        return false;
    }
    Revision published;
    {
        std::lock_guard inbox_lock(inbox_mu_);
        published = published_revision_;
    }
    CancelLocked(
        it->second,
        WatchMessage{
            .kind = WatchMessage::Kind::kCanceled, .watch_id = id, .header_revision = published});
    return true;
}

void WatchHub::RequestProgress(WatchOutbox* outbox) {
    std::lock_guard lock(inbox_mu_);
    inbox_.push_back(InboxItem{.progress_outbox = outbox});
    inbox_cv_.notify_one();
}

void WatchHub::RemoveOutbox(WatchOutbox* outbox) {
    std::lock_guard lock(mu_);
    auto state = outboxes_.find(outbox);
    if (state != outboxes_.end()) {
        for (const auto& [id, key] : state->second.watchers) {
            watchers_.erase(key);
        }
        outboxes_.erase(state);
    }
    to_wake_.erase(outbox);
    // A progress request of this outbox may still be queued: drop it.
    std::lock_guard inbox_lock(inbox_mu_);
    std::erase_if(inbox_, [&](const InboxItem& item) { return item.progress_outbox == outbox; });
}

Revision WatchHub::revision() const {
    std::lock_guard lock(inbox_mu_);
    return published_revision_;
}

WatchHubStats WatchHub::stats() const {
    std::lock_guard lock(mu_);
    WatchHubStats stats = stats_;
    stats.watchers = watchers_.size();
    stats.unsynced_watchers = static_cast<size_t>(
        std::count_if(watchers_.begin(), watchers_.end(), [](const auto& entry) {
            return !entry.second.synced;
        }));
    return stats;
}

void WatchHub::Loop() {
    auto next_tick = std::chrono::steady_clock::now() + options_.progress_interval;
    bool unsynced_left = false;
    for (;;) {
        std::deque<InboxItem> items;
        Revision dropped;
        {
            std::unique_lock lock(inbox_mu_);
            const auto wait_until =
                unsynced_left
                    ? std::min(next_tick, std::chrono::steady_clock::now() + kCatchUpPollInterval)
                    : next_tick;
            inbox_cv_.wait_until(lock, wait_until, [&] {
                return stopping_ || wake_ || !inbox_.empty() || !dropped_through_.is_none();
            });
            if (stopping_) {
                return;
            }
            wake_ = false;
            items.swap(inbox_);
            inbox_events_ = 0;
            dropped = std::exchange(dropped_through_, Revision());
        }
        {
            std::lock_guard lock(mu_);
            if (!dropped.is_none()) {
                ++stats_.inbox_overflows;
                for (auto& [key, w] : watchers_) {
                    if (w.synced && w.next_revision <= dropped) {
                        w.synced = false;
                    }
                }
                dispatched_revision_ = std::max(dispatched_revision_, dropped);
            }
            for (const InboxItem& item : items) {
                if (item.progress_outbox != nullptr) {
                    AnswerProgressLocked(item.progress_outbox);
                } else if (item.revision > dispatched_revision_) {
                    DispatchLocked(item.revision, item.events);
                }
            }
            WakeDeferredLocked();
            if (std::chrono::steady_clock::now() >= next_tick) {
                ProgressTickLocked();
                next_tick = std::chrono::steady_clock::now() + options_.progress_interval;
            }
        }
        unsynced_left = CatchUp();
    }
}

void WatchHub::DispatchLocked(Revision revision, const kv::Events& events) {
    KEEL_ASSERT(revision > dispatched_revision_);
    dispatched_revision_ = revision;
    for (auto it = watchers_.begin(); it != watchers_.end();) {
        const uint64_t key = it->first;
        Watcher& w = it->second;
        ++it;  // DeliverLocked may remove w
        if (!w.synced || revision < w.next_revision) {
            continue;
        }
        DeliverLocked(key, w, revision, events, OutboxWake::kDeferred);
    }
}

void WatchHub::WakeDeferredLocked() {
    for (WatchOutbox* outbox : to_wake_) {
        outbox->Wake();
    }
    to_wake_.clear();
}

bool WatchHub::DeliverLocked(uint64_t key,
                             Watcher& w,
                             Revision header,
                             const kv::Events& events,
                             OutboxWake wake) {
    kv::Events out;
    Revision last;
    for (const kv::Event& event : events) {
        last = event.kv.mod_revision;
        KEEL_ASSERT_MSG(last >= w.next_revision,
                        "event at %d given to a watcher at %d",
                        last.value(),
                        w.next_revision.value());
        if (!w.range.Contains(event.kv.key) || Filtered(w.spec, event)) {
            continue;
        }
        out.push_back(event);
        if (!w.spec.prev_kv) {
            out.back().prev_kv.reset();
        }
    }
    if (!last.is_none()) {
        w.next_revision = std::max(w.next_revision, last.Next());
    }
    if (out.empty()) {
        return true;
    }
    const size_t count = out.size();
    const Revision first = out.front().kv.mod_revision;
    const bool queued = w.outbox->Offer(WatchMessage{.kind = WatchMessage::Kind::kEvents,
                                                     .watch_id = w.id,
                                                     .header_revision = header,
                                                     .events = std::move(out),
                                                     .fragment = w.spec.fragment},
                                         wake);
    if (wake == OutboxWake::kDeferred) {
        // Even a refused offer leaves earlier deferred messages of the round to wake for.
        to_wake_.insert(w.outbox);
    }
    if (!queued) {
        ++stats_.slow_watchers_canceled;
        CancelLocked(key,
                     WatchMessage{.kind = WatchMessage::Kind::kCanceled,
                                  .watch_id = w.id,
                                  .header_revision = header,
                                  .cancel_reason = absl::StrFormat(
                                      "keel: watcher is too slow: its buffer is full; watch "
                                      "again from revision %d",
                                      first.value())});
        return false;
    }
    stats_.events_delivered += count;
    w.sent_since_tick = true;
    return true;
}

bool WatchHub::CatchUp() {
    std::vector<uint64_t> keys;
    {
        std::lock_guard lock(mu_);
        for (auto& [key, w] : watchers_) {
            if (w.synced) {
                continue;
            }
            if (w.next_revision > dispatched_revision_) {
                w.synced = true;
                continue;
            }
            keys.push_back(key);
        }
    }
    const size_t served = std::min(keys.size(), kCatchUpWatchersPerRound);
    for (size_t i = 0; i < served; ++i) {
        CatchUpOne(keys[i]);
    }
    return !keys.empty();
}

void WatchHub::CatchUpOne(uint64_t key) {
    kv::HistoryRequest request;
    {
        std::lock_guard lock(mu_);
        auto it = watchers_.find(key);
        if (it == watchers_.end() || it->second.synced
            || !it->second.outbox->HasRoom(it->second.id)) {
            return;
        }
        const Watcher& w = it->second;
        request = kv::HistoryRequest{.key = w.spec.key,
                                     .range_end = w.spec.range_end,
                                     .start_revision = w.next_revision,
                                     .prev_kv = w.spec.prev_kv,
                                     .events_max = options_.history_events_per_read};
    }
    // Only this thread changes next_revision and dispatched_revision_, so both are as read
    // above when the lock is taken again; the watcher itself may have been canceled meanwhile.
    absl::StatusOr<kv::HistoryResponse> history = options_.history(request);
    std::lock_guard lock(mu_);
    auto it = watchers_.find(key);
    if (it == watchers_.end()) {
        return;
    }
    Watcher& w = it->second;
    KEEL_ASSERT(w.next_revision == request.start_revision);
    if (!history.ok()) {
        if (kv::IsCompacted(history.status())) {
            CancelLocked(key,
                         WatchMessage{.kind = WatchMessage::Kind::kCanceled,
                                      .watch_id = w.id,
                                      .header_revision = dispatched_revision_,
                                      .compact_revision = options_.compacted_revision()});
            return;
        }
        CancelLocked(key,
                     WatchMessage{.kind = WatchMessage::Kind::kCanceled,
                                  .watch_id = w.id,
                                  .header_revision = dispatched_revision_,
                                  .cancel_reason = history.status().ToString()});
        return;
    }
    KEEL_ASSERT(history->next_revision > w.next_revision);
    const Revision header = history->next_revision - 1;
    if (!DeliverLocked(key, w, header, history->events, OutboxWake::kNow)) {
        return;
    }
    w.next_revision = history->next_revision;
    w.synced = w.next_revision > dispatched_revision_;
}

void WatchHub::ProgressTickLocked() {
    for (auto& [key, w] : watchers_) {
        if (w.spec.progress_notify && w.synced && !w.sent_since_tick) {
            w.outbox->Push(WatchMessage{.kind = WatchMessage::Kind::kProgress,
                                        .watch_id = w.id,
                                        .header_revision = dispatched_revision_});
        }
        w.sent_since_tick = false;
    }
}

void WatchHub::AnswerProgressLocked(WatchOutbox* outbox) {
    Revision revision = dispatched_revision_;
    auto state = outboxes_.find(outbox);
    if (state != outboxes_.end()) {
        for (const auto& [id, key] : state->second.watchers) {
            const Watcher& w = watchers_.at(key);
            if (!w.synced) {
                revision = std::min(revision, w.next_revision - 1);
            }
        }
    }
    outbox->Push(WatchMessage{.kind = WatchMessage::Kind::kProgress,
                              .watch_id = kAllWatches,
                              .header_revision = revision});
}

void WatchHub::RemoveLocked(uint64_t key) {
    auto it = watchers_.find(key);
    KEEL_ASSERT(it != watchers_.end());
    auto state = outboxes_.find(it->second.outbox);
    KEEL_ASSERT(state != outboxes_.end());
    state->second.watchers.erase(it->second.id);
    watchers_.erase(it);
}

void WatchHub::CancelLocked(uint64_t key, WatchMessage message) {
    WatchOutbox* outbox = watchers_.at(key).outbox;
    RemoveLocked(key);
    outbox->Push(std::move(message));
}

}  // namespace keel::server
