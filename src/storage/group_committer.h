// GroupCommitter: a thread-safe front on a Wal that turns many concurrent appends into few
// fdatasyncs (group commit).
//
// Proposer threads call Append() or Propose(), which only queue their records and return a
// ticket; one dedicated sync thread takes everything queued (up to batch_max records),
// appends it to the Wal, calls Wal::Sync() once, and then publishes the highest durable ticket
// and log index. WaitDurable(ticket) blocks until that ticket's records are durable. The more
// proposers wait, the larger each batch and the fewer syncs per record: the batch grows to fill
// exactly the time one fdatasync takes, with no timer.
//
// Raft's rule holds: nothing is reported durable (by WaitDurable or the on_durable callback)
// before the fdatasync covering it returned OK. A failed sync is not retried: the committer
// stops, and every waiter and later caller gets the error (the process should crash).
//
// Ownership and threading: owns the Wal and its sync thread; every public method is
// thread-safe. The destructor syncs what is queued and joins the thread.
//
// Invariant: durable_ticket_ <= submitted_ticket_, and both only grow.
// Invariant: queue_.size() <= options.queue_max, except while one Append() batch larger than
//            queue_max, admitted into an empty queue, is queued alone.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include <absl/status/statusor.h>

#include "raft/types.h"
#include "storage/limits.h"
#include "storage/wal.h"

namespace keel::storage {

struct GroupCommitterOptions {
    // The most records queued; Append/Propose wait while it is reached.
    size_t queue_max = kGroupCommitQueueMax;
    // The most records one sync covers.
    size_t batch_max = kGroupCommitBatchMax;
    // Called on the sync thread after each successful sync with the durable last index.
    std::function<void(Index durable)> on_durable;
};

struct GroupCommitStats {
    uint64_t syncs = 0;        // batches made durable, one fdatasync each (plus rotations)
    uint64_t entries = 0;      // entries made durable
    uint64_t entry_bytes = 0;  // their data bytes
};

class GroupCommitter {
public:
    // What a caller submitted: its ticket for WaitDurable and the index of its last entry.
    struct Submitted {
        uint64_t ticket = 0;
        Index last_index;
    };

    GroupCommitter(std::unique_ptr<Wal> wal, GroupCommitterOptions options);
    ~GroupCommitter();
    GroupCommitter(const GroupCommitter&) = delete;
    GroupCommitter& operator=(const GroupCommitter&) = delete;

    // Queues entries with caller-chosen indexes (the Raft loop's path): contiguous, starting
    // at or below the last submitted index + 1 (a conflicting suffix is replaced).
    // InvalidArgument/FailedPrecondition for a malformed batch; the failure after a failed sync.
    absl::StatusOr<Submitted> Append(std::vector<raft::Entry> entries);

    // Queues one entry at the next index (benchmarks and single-writer clients).
    absl::StatusOr<Submitted> Propose(Term term, std::string data);

    // Queues a hard state record, durable with the same batch as the entries before it.
    absl::StatusOr<Submitted> SaveHardState(const raft::HardState& hard_state);

    // Blocks until `ticket` is durable (OK) or the committer failed (its error).
    absl::Status WaitDurable(uint64_t ticket);

    Index durable_index() const;
    GroupCommitStats stats() const;

private:
    using Record = std::variant<raft::Entry, raft::HardState>;

    // Queues `records` under one lock; entries must start at or below the last submitted
    // index + 1 (`first_index` is none for a hard state).
    absl::StatusOr<Submitted> Enqueue(std::vector<Record> records,
                                      Index first_index,
                                      Index last_index);
    void SyncLoop();
    // Appends `batch` to the Wal and syncs it; adds its entries to `counted`.
    absl::Status WriteBatch(std::vector<Record>& batch, GroupCommitStats* counted);

    const GroupCommitterOptions options_;
    std::unique_ptr<Wal> wal_;  // touched only by the sync thread once it runs

    mutable std::mutex mu_;
    std::condition_variable work_;      // the sync thread waits for records or stop
    std::condition_variable not_full_;  // proposers wait for queue room
    std::condition_variable durable_;   // proposers wait for their ticket
    std::deque<Record> queue_;
    Index submitted_last_index_;
    uint64_t submitted_ticket_ = 0;
    uint64_t durable_ticket_ = 0;
    Index durable_index_;
    absl::Status failure_;
    bool stopping_ = false;
    GroupCommitStats stats_;

    std::thread sync_thread_;
};

}  // namespace keel::storage
