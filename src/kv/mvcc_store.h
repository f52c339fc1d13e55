// The MVCC state machine: etcd v3's key-value and lease semantics over RocksDB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <rocksdb/db.h>

#include "base/ids.h"
#include "kv/key_encoding.h"
#include "kv/limits.h"
#include "kv/live_key_index.h"
#include "kv/request.h"
#include "kv/response.h"
#include "kv/watch_events.h"

namespace keel::kv {

class WriteTxn;

// What closing the store does with applied data RocksDB holds only in memory.
enum class ShutdownMode {
    // Flush it (production).
    kFlush,
    // Drop it, as a crash would: RocksDB's own WAL is off, so unflushed data is lost. Tests
    // use this to show that the store reopens at a consistent (applied index, data) pair.
    kDropUnflushed,
};

struct MvccStoreOptions {
    // The most operations in each list of a read-only Txn served by ReadTxn (etcd's
    // --max-txn-ops). Not applied to committed entries: see ApplyTxn.
    size_t txn_ops_max = kTxnOpsMaxDefault;
    ShutdownMode shutdown = ShutdownMode::kFlush;
};

// A record of the server's own keyspace (e.g. the client sessions of #5), written in the same
// RocksDB batch as the entry being applied: `value`, or a delete when it is nullopt.
struct AuxWrite {
    std::string key;
    std::optional<std::string> value;
};

// Called once per applied entry, after its changes are staged, with the entry's outcome (the
// response is null for an error, a no-op, or a response kind WriteResponse does not hold).
using AuxWriter =
    std::function<std::vector<AuxWrite>(const absl::Status& status, const WriteResponse* response)>;

// The committed log entry being applied. The store knows nothing of Raft beyond this index.
struct ApplyContext {
    Index index;
    // Optional: server records to commit atomically with the entry.
    AuxWriter aux;
};

enum class ApplyOutcome {
    kApplied,
    // The entry's index was not above the applied index (a replay after restart): nothing
    // changed and the response is Aborted.
    kAlreadyApplied,
};

// The outcome of applying one entry. An error response is still an applied entry: the
// applied index advanced and nothing else changed (every replica reaches the same error).
template <typename Response>
struct ApplyResult {
    ApplyOutcome outcome = ApplyOutcome::kApplied;
    absl::StatusOr<Response> response;
    // The changes the entry made, in (revision, sub-revision) order, for the watch hub.
    Events events;
};

// What MvccStore::HashAll returns.
struct StoreHash {
    uint32_t hash = 0;
    Revision revision;
};

// The replicated state machine of one keel shard: keys with their full version history
// (revisions), leases, and the applied Raft index, in one RocksDB instance.
//
// Apply* take a committed entry and return its response plus the watch events it produced;
// each writes exactly one RocksDB WriteBatch (with RocksDB's WAL disabled) that also records
// the applied index, the revision and the compacted revision. A crash loses the unflushed
// tail but never splits an entry, so the store reopens at a consistent applied index and the
// server replays its Raft log from there (see docs/kv.md, "Durability").
//
// Apply is deterministic: no clock, no randomness, no unordered iteration. Given the same
// entries, every replica reaches byte-identical RocksDB contents (HashKv compares them).
//
// Invariant: compacted_revision() <= revision(); revision() >= kInitialRevision.
// Invariant: each key-index entry names a history record and each history record has its
// key-index entry; no history record is above revision().
// Invariant: key k is attached to lease l iff k's latest version is live with lease l, and
// lease l exists.
// Thread use: one owner thread (the server's apply loop) calls Apply*, Flush,
// CreateCheckpoint, CheckInvariants and the accessors applied_index(), revision() and
// compacted_revision(). The reads (Range, ReadTxn, LeaseTimeToLive, LeaseLeases, History,
// HashKv, ApproximateSizeBytes) may run on any threads concurrently with it: each reads one
// RocksDB snapshot together with the store meta recorded in it, so it sees whole applies only.
class MvccStore {
public:
    // Opens (creating if missing) the store in directory `dir`, which may be a checkpoint.
    // Errors: Internal if RocksDB cannot open the directory (the message says why).
    static absl::StatusOr<std::unique_ptr<MvccStore>> Open(const std::string& dir,
                                                           const MvccStoreOptions& options);

    // Replaces the store in `dir` (which must not be open) by the checkpoint in
    // `checkpoint_dir` (moved, not copied; same file system), then opens it.
    static absl::StatusOr<std::unique_ptr<MvccStore>> OpenFromCheckpoint(
        const std::string& checkpoint_dir, const std::string& dir, const MvccStoreOptions& options);

    MvccStore(const MvccStore&) = delete;
    MvccStore& operator=(const MvccStore&) = delete;
    // Closes RocksDB as options.shutdown says.
    ~MvccStore();

    Index applied_index() const { return meta_.applied_index; }

    Revision revision() const { return meta_.revision; }

    Revision compacted_revision() const { return meta_.compacted_revision; }

    // ---- Applying committed entries. Precondition: ctx.index > 0. ----
    ApplyResult<PutResponse> ApplyPut(ApplyContext ctx, const PutRequest& request);
    ApplyResult<DeleteRangeResponse> ApplyDeleteRange(ApplyContext ctx,
                                                      const DeleteRangeRequest& request);
    // Validates (ValidateTxn without an operation limit), then runs the txn all-or-nothing.
    // The limit is a member's own flag, checked before a request is proposed; checking it here
    // would let members run with different --max-txn-ops apply one entry differently.
    ApplyResult<TxnResponse> ApplyTxn(ApplyContext ctx, const TxnRequest& request);
    // Errors: CompactedError() if revision <= compacted_revision(), FutureRevisionError()
    // if above revision(). Does not change the revision.
    ApplyResult<CompactionResponse> ApplyCompaction(ApplyContext ctx,
                                                    const CompactionRequest& request);
    // Errors: LeaseTtlTooLargeError(), LeaseExistsError(), InvalidArgument for a negative TTL
    // or an id above INT64_MAX.
    ApplyResult<LeaseGrantResponse> ApplyLeaseGrant(ApplyContext ctx,
                                                    const LeaseGrantRequest& request);
    // Deletes the lease's keys in one revision (none if it has no keys), then the lease.
    // Errors: LeaseNotFoundError().
    ApplyResult<LeaseRevokeResponse> ApplyLeaseRevoke(ApplyContext ctx,
                                                      const LeaseRevokeRequest& request);
    // Records remaining-TTL hints; leases that no longer exist are skipped (etcd's rule).
    ApplyResult<LeaseCheckpointResponse> ApplyLeaseCheckpoint(
        ApplyContext ctx, const LeaseCheckpointRequest& request);
    // Records that an entry with no effect on the store (an empty or configuration entry)
    // was applied, so that replay need not revisit it.
    ApplyOutcome ApplyNoop(ApplyContext ctx);
    // Records the server's cluster record (its membership, opaque to the store) with the
    // entry that changed it, in the same batch as the applied index, so that it survives
    // restarts and is part of every checkpoint. Touches no key and no revision.
    ApplyOutcome ApplyClusterRecord(ApplyContext ctx, const std::string& record);
    // The last cluster record applied, or nullopt if none ever was. Owner thread.
    std::optional<std::string> ClusterRecord() const;
    // Dispatches to the Apply* above; the response holds the matching WriteResponse.
    ApplyResult<WriteResponse> Apply(ApplyContext ctx, const WriteRequest& request);

    // ---- Reads of the applied state (thread-safe; see the class comment). ----
    absl::StatusOr<RangeResponse> Range(const RangeRequest& request) const;
    // A txn that writes nothing on any path, answered without an entry (etcd serves these
    // locally too). Errors: InvalidArgument if any branch could write; as ApplyTxn otherwise.
    absl::StatusOr<TxnResponse> ReadTxn(const TxnRequest& request) const;
    // Errors: LeaseNotFoundError().
    absl::StatusOr<LeaseTimeToLiveResponse> LeaseTimeToLive(
        const LeaseTimeToLiveRequest& request) const;
    LeaseLeasesResponse LeaseLeases() const;
    // A record of the server's keyspace (see AuxWrite), and every such record in key order.
    std::optional<std::string> ReadAux(std::string_view key) const;
    std::vector<AuxWrite> ListAux() const;
    // Events from history, for watchers starting in the past (see history.h).
    absl::StatusOr<HistoryResponse> History(const HistoryRequest& request) const;
    // A digest of history up to `revision` (0: current), equal on replicas (see hash.h).
    absl::StatusOr<HashKvResponse> HashKv(Revision revision) const;

    // ---- Maintenance. ----
    // The approximate bytes the store occupies (SST files plus memtables), for the server's
    // storage quota (etcd's NOSPACE alarm).
    uint64_t ApproximateSizeBytes() const;
    // Makes everything applied so far durable; afterwards the server may discard Raft log
    // entries up to applied_index(). Errors: Internal if RocksDB fails to flush.
    absl::Status Flush();
    // Writes a RocksDB checkpoint (hard links where possible) of everything applied so far
    // into `dir`, which must not exist. The checkpoint opens with Open and reports the
    // applied index at which it was taken. Errors: Internal with RocksDB's reason.
    absl::Status CreateCheckpoint(const std::string& dir) const;
    // etcd's Hash: a CRC32C over every RocksDB key and value but the store meta (which holds
    // this member's applied index), in key order, from one RocksDB snapshot, and the revision
    // it was taken at. Replicas at the same revision agree. Thread-safe, like the reads.
    // (mvcc_store_maintenance.cc)
    StoreHash HashAll() const;
    // etcd's Defragment: compacts every level of RocksDB so that space held by deleted and
    // compacted versions is returned to the file system. Errors: Internal with RocksDB's reason.
    absl::Status Defragment();

    // Checks every invariant in the class comment by scanning the whole store: O(size).
    // Crashes on a violation. For tests and the simulator.
    void CheckInvariants() const;

private:
    MvccStore(std::unique_ptr<rocksdb::DB> db,
              encoding::StoreMeta meta,
              LiveKeyIndex live,
              MvccStoreOptions options);

    template <typename Response, typename Body>
    ApplyResult<Response> ApplyWrite(ApplyContext ctx, Body body);
    void Commit(rocksdb::WriteBatch* batch, const encoding::StoreMeta& meta);
    static void StageAux(const ApplyContext& ctx,
                         const absl::Status& status,
                         const WriteResponse* response,
                         rocksdb::WriteBatch* batch);

    std::unique_ptr<rocksdb::DB> db_;
    encoding::StoreMeta meta_;
    // The live keys as of meta_ (apply thread only; built on open).
    LiveKeyIndex live_;
    const MvccStoreOptions options_;
};

}  // namespace keel::kv
