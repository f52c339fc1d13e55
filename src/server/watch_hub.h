// WatchHub: matches the store's applied changes against every watcher of this member and hands
// each watcher its events, in revision order, with nothing missed or repeated.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/status/statusor.h>

#include "base/ids.h"
#include "kv/key_range.h"
#include "kv/request.h"
#include "kv/response.h"
#include "server/apply_observer.h"
#include "server/watch_outbox.h"

namespace keel::server {

// What a watcher watches (etcd's WatchCreateRequest, validated).
struct WatchSpec {
    // etcd's (key, range_end) convention; key is never empty (the stream turns "" into "\0").
    std::string key;
    std::string range_end;
    // The first revision to report; 0 means "changes after now".
    Revision start_revision;
    bool prev_kv = false;
    bool filter_put = false;
    bool filter_delete = false;
    bool progress_notify = false;
    bool fragment = false;
};

struct WatchHubOptions {
    // Reads the store's history (MvccStore::History) and its compacted revision; called on
    // the dispatch thread while apply goes on.
    std::function<absl::StatusOr<kv::HistoryResponse>(const kv::HistoryRequest&)> history;
    std::function<Revision()> compacted_revision;
    // The store's revision when the hub starts (before any OnApplied).
    Revision initial_revision;
    // How often watchers with progress_notify that got nothing get an empty response.
    std::chrono::milliseconds progress_interval{std::chrono::minutes(10)};
    // The most events waiting between apply and dispatch. Beyond it apply does not wait: the
    // hub drops them and every live watcher catches up from the store's history instead.
    size_t inbox_events_max = 65536;
    // The most events one history read returns for one watcher.
    size_t history_events_per_read = 1024;
};

// What the hub has done, for /metrics and tests.
struct WatchHubStats {
    size_t watchers = 0;
    size_t unsynced_watchers = 0;
    uint64_t events_delivered = 0;
    uint64_t slow_watchers_canceled = 0;
    uint64_t inbox_overflows = 0;
};

// Ownership: the server owns one hub; each Watch stream owns its outbox and registers it here.
// Threads: the apply loop calls OnApplied (it only queues); one dispatch thread, the hub's own,
// matches events and reads history; stream threads call Add, Cancel, RequestProgress and
// RemoveOutbox. Every call into an outbox happens with mu_ held, so once RemoveOutbox returns
// the hub never touches that outbox again.
//
// Each watcher has next_revision: the lowest revision it has not been given. A synced watcher
// takes live changes; an unsynced one (its start revision is at or below the revisions already
// dispatched) reads history from the store until it passes the dispatched revision, then turns
// synced. Changes below next_revision are skipped, so the switch repeats nothing, and every
// revision >= next_revision either is still queued for dispatch or is read from history, so it
// misses nothing.
// Invariant: a synced watcher's next_revision > dispatched_revision_.
// Invariant: events reach an outbox in (revision, sub-revision) order per watcher.
// Invariant: dispatched_revision_ <= published_revision_.
class WatchHub final : public ApplyObserver {
public:
    explicit WatchHub(WatchHubOptions options);
    ~WatchHub() override;
    WatchHub(const WatchHub&) = delete;
    WatchHub& operator=(const WatchHub&) = delete;

    // Starts the dispatch thread. Stop joins it; idempotent.
    void Start();
    void Stop();

    // Apply loop: queues the entry's changes and returns.
    void OnApplied(Revision revision, kv::Events events) override;
    // Apply loop: as an inbox overflow, every live watcher below `revision` catches up from
    // the store's history.
    void OnRestored(Revision revision) override;

    // Registers a watcher for `outbox` and queues its kCreated message (before any of its
    // events). `requested` is the client's id, or kAutoWatchId for the lowest free one. A
    // start revision below the compacted revision gets kCreated then kCanceled with
    // compact_revision, as etcd answers, and registers nothing.
    // Errors (nothing is registered): AlreadyExists "mvcc: duplicate watch ID provided on the
    // WatchStream"; InvalidArgument "mvcc: watcher range is empty".
    absl::StatusOr<WatchId> Add(WatchOutbox* outbox, WatchId requested, const WatchSpec& spec);
    // Removes the watcher and queues its kCanceled message. False if there is no such watcher.
    bool Cancel(WatchOutbox* outbox, WatchId id);
    // Queues a kProgress message for kAllWatches, after every event already given to `outbox`,
    // whose revision every watcher of the outbox has been given all events up to.
    void RequestProgress(WatchOutbox* outbox);
    // Removes every watcher of `outbox`; afterwards the hub never touches it.
    void RemoveOutbox(WatchOutbox* outbox);

    // The last applied revision the hub was told of.
    Revision revision() const;
    WatchHubStats stats() const;

private:
    struct Watcher {
        WatchOutbox* outbox = nullptr;
        WatchId id = kAutoWatchId;
        WatchSpec spec;
        kv::KeyRange range;
        Revision next_revision;
        bool synced = false;
        // Something was sent since the last progress tick.
        bool sent_since_tick = false;
    };

    struct OutboxState {
        WatchId next_auto_id = 0;
        absl::flat_hash_map<WatchId, uint64_t> watchers;  // id -> key in watchers_
    };

    // One item between the apply loop (or a stream) and the dispatch thread.
    struct InboxItem {
        Revision revision;
        kv::Events events;
        // Set for a progress request instead of events.
        WatchOutbox* progress_outbox = nullptr;
    };

    void Loop();
    // Dispatch thread, mu_ held: one applied revision to every synced watcher.
    void DispatchLocked(Revision revision, const kv::Events& events);
    // Dispatch thread: history for up to a few unsynced watchers. Returns true if any
    // remains unsynced.
    bool CatchUp();
    void CatchUpOne(uint64_t key);
    void ProgressTickLocked();
    void AnswerProgressLocked(WatchOutbox* outbox);
    // mu_ held: delivers `events` (already at or above next_revision) to `w`, filtered.
    // Returns false if the watcher was canceled for being slow. With kDeferred the outbox is
    // woken by WakeDeferredLocked.
    bool DeliverLocked(uint64_t key,
                       Watcher& w,
                       Revision header,
                       const kv::Events& events,
                       OutboxWake wake);
    // mu_ held: wakes each outbox given events with kDeferred since the last call, once.
    void WakeDeferredLocked();
    void RemoveLocked(uint64_t key);
    void CancelLocked(uint64_t key, WatchMessage message);

    const WatchHubOptions options_;

    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::map<uint64_t, Watcher> watchers_;                     // guarded by mu_
    absl::flat_hash_map<WatchOutbox*, OutboxState> outboxes_;  // guarded by mu_
    uint64_t next_key_ = 1;                                    // guarded by mu_
    Revision dispatched_revision_;                             // guarded by mu_
    WatchHubStats stats_;                                      // guarded by mu_
    // Outboxes given events in this dispatch round, woken once at its end: a stream's writer
    // then takes the round's revisions in one go instead of waking for each.
    absl::flat_hash_set<WatchOutbox*> to_wake_;  // guarded by mu_

    // Between OnApplied and the dispatch thread; its own lock, so apply never waits for
    // matching or history reads.
    mutable std::mutex inbox_mu_;
    std::deque<InboxItem> inbox_;  // guarded by inbox_mu_
    size_t inbox_events_ = 0;      // guarded by inbox_mu_
    Revision published_revision_;  // guarded by inbox_mu_
    // The last revision dropped by an overflow, not yet seen by the dispatch thread.
    Revision dropped_through_;  // guarded by inbox_mu_
    bool stopping_ = false;     // guarded by inbox_mu_
    bool wake_ = false;         // guarded by inbox_mu_
    std::condition_variable inbox_cv_;

    std::thread thread_;
};

}  // namespace keel::server
