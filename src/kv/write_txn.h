// One apply's worth of changes to the MVCC keyspaces, staged in a batch.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <absl/container/flat_hash_map.h>
#include <absl/status/statusor.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

#include "kv/lease_store.h"
#include "kv/live_key_index.h"
#include "kv/request.h"
#include "kv/response.h"
#include "kv/revision.h"
#include "kv/state_reader.h"
#include "kv/watch_events.h"

namespace keel::kv {

// A write transaction: stages the puts and deletes of one apply in a WriteBatchWithIndex,
// reading through it so that each operation sees the ones before it (etcd's semantics for
// the operations of one Txn). Every change gets revision begin_revision + 1 and the next
// sub-revision. Nothing reaches RocksDB until the owner writes batch(); dropping the
// WriteTxn discards every change, which is how a failed Txn stays all-or-nothing.
// Invariant: changed() iff at least one change is staged; events() lists the changes in
// sub-revision order.
// Invariant: key k is attached to lease l iff k's latest version is live with lease l.
// Single-threaded; borrows the DB (and the live-key index), which must outlive it.
class WriteTxn {
public:
    // Reads see the committed state as of `snapshot` (null: the latest) plus the batch.
    // `live`, if given, is the index of the latest committed state (so `snapshot` must be
    // null): the latest version of a key is then found by a lookup instead of an iterator.
    WriteTxn(rocksdb::DB* db,
             Revision begin_revision,
             Revision compacted_revision,
             const rocksdb::Snapshot* snapshot = nullptr,
             const LiveKeyIndex* live = nullptr);
    WriteTxn(const WriteTxn&) = delete;
    WriteTxn& operator=(const WriteTxn&) = delete;

    // The revision reads see: the begin revision, or the new one once something changed.
    Revision read_revision() const;

    Revision compacted_revision() const { return compacted_revision_; }

    bool changed() const { return next_sub_ > 0; }

    const StateReader& reader() const { return reader_; }

    LeaseStore& leases() { return leases_; }

    rocksdb::WriteBatchWithIndex& batch() { return batch_; }

    Events TakeEvents() { return std::move(events_); }

    // Range, Put and DeleteRange as etcd applies them inside a write transaction. Response
    // headers are left for the caller. Errors: as etcd's (see errors.h); on error nothing was
    // staged by the failing call.
    absl::StatusOr<RangeResponse> Range(const RangeRequest& request) const;
    absl::StatusOr<PutResponse> Put(const PutRequest& request);
    absl::StatusOr<DeleteRangeResponse> DeleteRange(const DeleteRangeRequest& request);

    // Writes a tombstone for `current`, the live latest version of its key.
    void DeleteKey(const KeyValue& current);

    // The latest version of `key` (staged changes included), or nullopt if it is not live.
    std::optional<KeyValue> Latest(std::string_view key) const;

    // Records the staged changes in `live` (the index given at construction), once the
    // batch is written. Precondition: a live index was given.
    void CommitLiveChanges(LiveKeyIndex* live) const;

private:
    FullRevision NextChange();
    void StageVersion(const encoding::VersionRecord& record, FullRevision at);

    rocksdb::WriteBatchWithIndex batch_;
    StateReader reader_;
    const LiveKeyIndex* live_;
    // With a live index: the latest version of each key this txn changed (nullopt: deleted).
    absl::flat_hash_map<std::string, std::optional<FullRevision>> staged_latest_;
    LeaseStore leases_;
    const Revision begin_revision_;
    const Revision compacted_revision_;
    uint64_t next_sub_ = 0;
    Events events_;
};

}  // namespace keel::kv
