#include "kv/mvcc_store.h"

#include <filesystem>
#include <limits>
#include <type_traits>

#include <absl/strings/str_cat.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>

#include "base/assert.h"
#include "base/status.h"
#include "kv/compaction.h"
#include "kv/errors.h"
#include "kv/hash.h"
#include "kv/history.h"
#include "kv/lease_store.h"
#include "kv/range.h"
#include "kv/revision.h"
#include "kv/rocks_options.h"
#include "kv/state_reader.h"
#include "kv/txn.h"
#include "kv/write_txn.h"

namespace keel::kv {
namespace {

using encoding::StoreMeta;

absl::Status RocksError(const std::string& what, const rocksdb::Status& status) {
    return absl::InternalError(absl::StrCat("kv: ", what, ": ", status.ToString()));
}

absl::Status AlreadyAppliedError(Index index, Index applied) {
    return absl::AbortedError(absl::StrCat(
        "kv: entry ", index.value(), " is already applied (applied index ", applied.value(), ")"));
}

template <typename Response>
void SetHeader(Revision revision, Response* response) {
    if constexpr (std::is_same_v<Response, TxnResponse>) {
        SetTxnHeaders(revision, response);
    } else {
        response->header.revision = revision;
    }
}

// The smallest free id above the last one the store chose (ids stay within int64 as etcd's).
LeaseId NextAutoLeaseId(const LeaseStore& leases, LeaseId last) {
    uint64_t candidate = last.value() + 1;
    while (leases.Find(LeaseId(candidate)).has_value()) {
        ++candidate;
    }
    KEEL_ASSERT(candidate <= static_cast<uint64_t>(INT64_MAX));
    return LeaseId(candidate);
}

absl::StatusOr<LeaseGrantResponse> GrantLease(const LeaseGrantRequest& request,
                                              WriteTxn& txn,
                                              StoreMeta& meta) {
    if (request.ttl > kLeaseTtlSecondsMax) {
        return LeaseTtlTooLargeError();
    }
    if (request.ttl < 0) {
        return absl::InvalidArgumentError("keel: lease TTL must not be negative");
    }
    if (request.id.value() > static_cast<uint64_t>(INT64_MAX)) {
        return absl::InvalidArgumentError("keel: lease ID must fit in a signed 64-bit integer");
    }
    LeaseId id = request.id;
    if (id.is_none()) {
        id = NextAutoLeaseId(txn.leases(), meta.last_auto_lease);
        meta.last_auto_lease = id;
    } else if (txn.leases().Find(id).has_value()) {
        return LeaseExistsError();
    }
    txn.leases().Write(LeaseRecord{.id = id, .granted_ttl = request.ttl});
    return LeaseGrantResponse{.id = id, .ttl = request.ttl};
}

absl::StatusOr<LeaseRevokeResponse> RevokeLease(const LeaseRevokeRequest& request, WriteTxn& txn) {
    if (!txn.leases().Find(request.id).has_value()) {
        return LeaseNotFoundError();
    }
    for (const std::string& key : txn.leases().AttachedKeys(request.id)) {
        const std::optional<KeyValue> current = txn.Latest(key);
        KEEL_ASSERT_MSG(
            current.has_value(), "kv: lease %d holds a deleted key", request.id.value());
        KEEL_ASSERT(current->lease == request.id);
        txn.DeleteKey(*current);
    }
    txn.leases().Remove(request.id);
    return LeaseRevokeResponse{};
}

// A consistent view for one read: a RocksDB snapshot, and the store meta as of it. Reads
// through it never see half an apply, whatever the applying thread does meanwhile.
class ReadView {
public:
    explicit ReadView(rocksdb::DB* db)
        : db_(db), snapshot_(db->GetSnapshot()), reader_(db, nullptr, snapshot_) {
        if (const std::optional<std::string> bytes = reader_.Get(encoding::kMetaKey)) {
            meta_ = encoding::DecodeStoreMeta(*bytes);
        }
    }

    ~ReadView() { db_->ReleaseSnapshot(snapshot_); }

    ReadView(const ReadView&) = delete;
    ReadView& operator=(const ReadView&) = delete;

    const StateReader& reader() const { return reader_; }

    const StoreMeta& meta() const { return meta_; }

    const rocksdb::Snapshot* snapshot() const { return snapshot_; }

private:
    rocksdb::DB* db_;
    const rocksdb::Snapshot* snapshot_;
    StateReader reader_;
    StoreMeta meta_{.revision = kInitialRevision};
};

}  // namespace

absl::StatusOr<std::unique_ptr<MvccStore>> MvccStore::Open(const std::string& dir,
                                                           const MvccStoreOptions& options) {
    rocksdb::Options rocks_options = StoreRocksOptions();
    // With the WAL off, RocksDB flushes the memtable on close unless told not to.
    rocks_options.avoid_flush_during_shutdown = options.shutdown == ShutdownMode::kDropUnflushed;
    rocksdb::DB* raw = nullptr;
    const rocksdb::Status status = rocksdb::DB::Open(rocks_options, dir, &raw);
    if (!status.ok()) {
        return RocksError(absl::StrCat("cannot open the store at ", dir), status);
    }
    std::unique_ptr<rocksdb::DB> db(raw);
    StoreMeta meta{.revision = kInitialRevision};
    std::string bytes;
    const rocksdb::Status read = db->Get(rocksdb::ReadOptions(), encoding::kMetaKey, &bytes);
    if (read.ok()) {
        meta = encoding::DecodeStoreMeta(bytes);
    } else if (!read.IsNotFound()) {
        return RocksError("cannot read the store meta", read);
    }
    LiveKeyIndex live = LiveKeyIndex::Build(StateReader(db.get(), nullptr));
    return std::unique_ptr<MvccStore>(new MvccStore(std::move(db), meta, std::move(live), options));
}

absl::StatusOr<std::unique_ptr<MvccStore>> MvccStore::OpenFromCheckpoint(
    const std::string& checkpoint_dir, const std::string& dir, const MvccStoreOptions& options) {
    namespace fs = std::filesystem;
    std::error_code error;
    if (!fs::is_directory(checkpoint_dir, error)) {
        return absl::NotFoundError(absl::StrCat("kv: no checkpoint at ", checkpoint_dir));
    }
    // Move the old store aside first, so that a crash leaves either store, never a mixture.
    const std::string old_dir = dir + ".replaced";
    fs::remove_all(old_dir, error);
    if (fs::exists(dir, error)) {
        fs::rename(dir, old_dir, error);
        if (error) {
            return absl::InternalError(
                absl::StrCat("kv: cannot move ", dir, ": ", error.message()));
        }
    }
    fs::rename(checkpoint_dir, dir, error);
    if (error) {
        const std::string reason = error.message();
        // Put the old store back, so that a failed install leaves the replica as it was.
        if (fs::exists(old_dir, error)) {
            fs::rename(old_dir, dir, error);
        }
        return absl::InternalError(
            absl::StrCat("kv: cannot move ", checkpoint_dir, " to ", dir, ": ", reason));
    }
    fs::remove_all(old_dir, error);
    return Open(dir, options);
}

MvccStore::MvccStore(std::unique_ptr<rocksdb::DB> db,
                     StoreMeta meta,
                     LiveKeyIndex live,
                     MvccStoreOptions options)
    : db_(std::move(db)), meta_(meta), live_(std::move(live)), options_(options) {
    KEEL_ASSERT(meta_.compacted_revision <= meta_.revision);
    KEEL_ASSERT(meta_.revision >= kInitialRevision);
}

MvccStore::~MvccStore() {
    const rocksdb::Status status = db_->Close();
    KEEL_ASSERT_MSG(status.ok(), "kv: closing RocksDB failed: %s", status.ToString());
}

template <typename Response, typename Body>
ApplyResult<Response> MvccStore::ApplyWrite(ApplyContext ctx, Body body) {
    KEEL_ASSERT(!ctx.index.is_none());
    ApplyResult<Response> result;
    if (ctx.index <= meta_.applied_index) {
        result.outcome = ApplyOutcome::kAlreadyApplied;
        result.response = AlreadyAppliedError(ctx.index, meta_.applied_index);
        return result;
    }
    WriteTxn txn(db_.get(), meta_.revision, meta_.compacted_revision, nullptr, &live_);
    StoreMeta next = meta_;
    next.applied_index = ctx.index;
    result.response = body(txn, next);
    if (!result.response.ok()) {
        // Drop every staged change; record only that the entry was applied.
        next = meta_;
        next.applied_index = ctx.index;
        rocksdb::WriteBatch meta_only;
        StageAux(ctx, result.response.status(), nullptr, &meta_only);
        Commit(&meta_only, next);
        return result;
    }
    next.revision = txn.read_revision();
    SetHeader(next.revision, &result.response.value());
    result.events = txn.TakeEvents();
    if constexpr (std::is_constructible_v<WriteResponse, const Response&>) {
        const WriteResponse response(*result.response);
        StageAux(ctx, absl::OkStatus(), &response, txn.batch().GetWriteBatch());
    } else {
        StageAux(ctx, absl::OkStatus(), nullptr, txn.batch().GetWriteBatch());
    }
    Commit(txn.batch().GetWriteBatch(), next);
    txn.CommitLiveChanges(&live_);
    return result;
}

void MvccStore::StageAux(const ApplyContext& ctx,
                         const absl::Status& status,
                         const WriteResponse* response,
                         rocksdb::WriteBatch* batch) {
    if (!ctx.aux) {
        return;
    }
    for (const AuxWrite& write : ctx.aux(status, response)) {
        const std::string key = std::string(1, encoding::kAuxPrefix) + write.key;
        const rocksdb::Status staged =
            write.value.has_value() ? batch->Put(key, *write.value) : batch->Delete(key);
        KEEL_ASSERT_MSG(staged.ok(), "kv: staging a server record failed: %s", staged.ToString());
    }
}

std::optional<std::string> MvccStore::ReadAux(std::string_view key) const {
    std::string full(1, encoding::kAuxPrefix);
    full.append(key);
    return StateReader(db_.get(), nullptr).Get(full);
}

std::vector<AuxWrite> MvccStore::ListAux() const {
    std::vector<AuxWrite> out;
    const StateReader reader(db_.get(), nullptr);
    auto it = reader.NewIterator(std::string(1, encoding::kAuxPrefix),
                                 std::string(1, encoding::kAuxPrefix + 1));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        out.push_back(
            AuxWrite{.key = std::string(it->key().substr(1)), .value = std::string(it->value())});
    }
    it->AssertOk();
    return out;
}

void MvccStore::Commit(rocksdb::WriteBatch* batch, const StoreMeta& meta) {
    KEEL_ASSERT(meta.applied_index > meta_.applied_index);
    KEEL_ASSERT(meta.revision >= meta_.revision);
    KEEL_ASSERT(meta.revision <= meta_.revision.Next());
    KEEL_ASSERT(meta.compacted_revision <= meta.revision);
    rocksdb::Status status = batch->Put(encoding::kMetaKey, encoding::EncodeStoreMeta(meta));
    KEEL_ASSERT_MSG(status.ok(), "kv: staging the store meta failed: %s", status.ToString());
    rocksdb::WriteOptions write_options;
    // The Raft log is the write-ahead log; see docs/kv.md, "Durability".
    write_options.disableWAL = true;
    status = db_->Write(write_options, batch);
    // A failed write leaves memory and disk disagreeing; crash rather than diverge.
    KEEL_ASSERT_MSG(status.ok(), "kv: RocksDB write failed: %s", status.ToString());
    meta_ = meta;
}

ApplyResult<PutResponse> MvccStore::ApplyPut(ApplyContext ctx, const PutRequest& request) {
    return ApplyWrite<PutResponse>(ctx,
                                   [&](WriteTxn& txn, StoreMeta&) { return txn.Put(request); });
}

ApplyResult<DeleteRangeResponse> MvccStore::ApplyDeleteRange(ApplyContext ctx,
                                                             const DeleteRangeRequest& request) {
    return ApplyWrite<DeleteRangeResponse>(
        ctx, [&](WriteTxn& txn, StoreMeta&) { return txn.DeleteRange(request); });
}

ApplyResult<TxnResponse> MvccStore::ApplyTxn(ApplyContext ctx, const TxnRequest& request) {
    return ApplyWrite<TxnResponse>(
        ctx, [&](WriteTxn& txn, StoreMeta&) -> absl::StatusOr<TxnResponse> {
            // The entry's outcome may depend only on the entry and the state (mvcc_store.h).
            KEEL_RETURN_IF_ERROR(ValidateTxn(request, std::numeric_limits<size_t>::max()));
            return ExecuteTxn(txn, request);
        });
}

ApplyResult<CompactionResponse> MvccStore::ApplyCompaction(ApplyContext ctx,
                                                           const CompactionRequest& request) {
    return ApplyWrite<CompactionResponse>(
        ctx, [&](WriteTxn& txn, StoreMeta& next) -> absl::StatusOr<CompactionResponse> {
            if (request.revision <= next.compacted_revision) {
                return CompactedError();
            }
            if (request.revision > next.revision) {
                return FutureRevisionError();
            }
            // Read the committed state only: the batch must not change under the iterator.
            StageCompaction(StateReader(db_.get(), nullptr), request.revision, &txn.batch());
            next.compacted_revision = request.revision;
            return CompactionResponse{};
        });
}

ApplyResult<LeaseGrantResponse> MvccStore::ApplyLeaseGrant(ApplyContext ctx,
                                                           const LeaseGrantRequest& request) {
    return ApplyWrite<LeaseGrantResponse>(
        ctx, [&](WriteTxn& txn, StoreMeta& next) { return GrantLease(request, txn, next); });
}

ApplyResult<LeaseRevokeResponse> MvccStore::ApplyLeaseRevoke(ApplyContext ctx,
                                                             const LeaseRevokeRequest& request) {
    return ApplyWrite<LeaseRevokeResponse>(
        ctx, [&](WriteTxn& txn, StoreMeta&) { return RevokeLease(request, txn); });
}

ApplyResult<LeaseCheckpointResponse> MvccStore::ApplyLeaseCheckpoint(
    ApplyContext ctx, const LeaseCheckpointRequest& request) {
    return ApplyWrite<LeaseCheckpointResponse>(
        ctx, [&](WriteTxn& txn, StoreMeta&) -> absl::StatusOr<LeaseCheckpointResponse> {
            for (const LeaseCheckpoint& checkpoint : request.checkpoints) {
                std::optional<LeaseRecord> record = txn.leases().Find(checkpoint.id);
                if (record.has_value()) {
                    record->remaining_ttl_hint = checkpoint.remaining_ttl;
                    txn.leases().Write(*record);
                }
            }
            return LeaseCheckpointResponse{};
        });
}

ApplyOutcome MvccStore::ApplyNoop(ApplyContext ctx) {
    struct NoopResponse {
        ResponseHeader header;
    };

    return ApplyWrite<NoopResponse>(ctx, [](WriteTxn&, StoreMeta&) { return NoopResponse{}; })
        .outcome;
}

ApplyOutcome MvccStore::ApplyClusterRecord(ApplyContext ctx, const std::string& record) {
    struct ClusterRecordResponse {
        ResponseHeader header;
    };

    return ApplyWrite<ClusterRecordResponse>(
               ctx,
               [&](WriteTxn& txn, StoreMeta&) {
                   const rocksdb::Status staged =
                       txn.batch().Put(encoding::kClusterRecordKey, record);
                   KEEL_ASSERT_MSG(staged.ok(), "kv: staging failed: %s", staged.ToString());
                   return ClusterRecordResponse{};
               })
        .outcome;
}

std::optional<std::string> MvccStore::ClusterRecord() const {
    std::string bytes;
    const rocksdb::Status read =
        db_->Get(rocksdb::ReadOptions(), encoding::kClusterRecordKey, &bytes);
    if (read.IsNotFound()) {
        return std::nullopt;
    }
    KEEL_ASSERT_MSG(read.ok(), "kv: reading the cluster record failed: %s", read.ToString());
    return bytes;
}

ApplyResult<WriteResponse> MvccStore::Apply(ApplyContext ctx, const WriteRequest& request) {
    const auto apply_typed = [&](const auto& typed) {
        using Request = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<Request, PutRequest>) {
            return ApplyPut(ctx, typed);
        } else if constexpr (std::is_same_v<Request, DeleteRangeRequest>) {
            return ApplyDeleteRange(ctx, typed);
        } else if constexpr (std::is_same_v<Request, TxnRequest>) {
            return ApplyTxn(ctx, typed);
        } else if constexpr (std::is_same_v<Request, CompactionRequest>) {
            return ApplyCompaction(ctx, typed);
        } else if constexpr (std::is_same_v<Request, LeaseGrantRequest>) {
            return ApplyLeaseGrant(ctx, typed);
        } else if constexpr (std::is_same_v<Request, LeaseRevokeRequest>) {
            return ApplyLeaseRevoke(ctx, typed);
        } else {
            static_assert(std::is_same_v<Request, LeaseCheckpointRequest>);
            return ApplyLeaseCheckpoint(ctx, typed);
        }
    };
    return std::visit(
        [&](const auto& typed) {
            auto result = apply_typed(typed);
            ApplyResult<WriteResponse> out;
            out.outcome = result.outcome;
            out.events = std::move(result.events);
            if (result.response.ok()) {
                out.response = WriteResponse(*std::move(result.response));
            } else {
                out.response = result.response.status();
            }
            return out;
        },
        request);
}

absl::StatusOr<TxnResponse> MvccStore::ReadTxn(const TxnRequest& request) const {
    if (!IsReadOnly(request)) {
        return absl::InvalidArgumentError("keel: a read-only txn may not put or delete");
    }
    KEEL_RETURN_IF_ERROR(ValidateTxn(request, options_.txn_ops_max));
    const ReadView view(db_.get());
    // A write transaction that is never committed: the reads are the same code as at apply.
    WriteTxn txn(db_.get(), view.meta().revision, view.meta().compacted_revision, view.snapshot());
    KEEL_ASSIGN_OR_RETURN(TxnResponse response, ExecuteTxn(txn, request));
    KEEL_ASSERT(!txn.changed());
    SetTxnHeaders(view.meta().revision, &response);
    return response;
}

absl::StatusOr<RangeResponse> MvccStore::Range(const RangeRequest& request) const {
    const ReadView view(db_.get());
    KEEL_ASSIGN_OR_RETURN(
        RangeResponse response,
        ExecuteRange(view.reader(), request, view.meta().revision, view.meta().compacted_revision));
    response.header.revision = view.meta().revision;
    return response;
}

absl::StatusOr<LeaseTimeToLiveResponse> MvccStore::LeaseTimeToLive(
    const LeaseTimeToLiveRequest& request) const {
    const ReadView view(db_.get());
    const LeaseStore leases(view.reader(), nullptr);
    const std::optional<LeaseRecord> record = leases.Find(request.id);
    if (!record.has_value()) {
        return LeaseNotFoundError();
    }
    LeaseTimeToLiveResponse response;
    response.header.revision = view.meta().revision;
    response.id = record->id;
    response.granted_ttl = record->granted_ttl;
    response.remaining_ttl_hint = record->remaining_ttl_hint;
    if (request.keys) {
        response.keys = leases.AttachedKeys(request.id);
    }
    return response;
}

LeaseLeasesResponse MvccStore::LeaseLeases() const {
    const ReadView view(db_.get());
    LeaseLeasesResponse response;
    response.header.revision = view.meta().revision;
    for (const LeaseRecord& record : LeaseStore(view.reader(), nullptr).List()) {
        response.leases.push_back(LeaseStatus{.id = record.id,
                                              .granted_ttl = record.granted_ttl,
                                              .remaining_ttl_hint = record.remaining_ttl_hint});
    }
    return response;
}

absl::StatusOr<HistoryResponse> MvccStore::History(const HistoryRequest& request) const {
    const ReadView view(db_.get());
    KEEL_ASSIGN_OR_RETURN(
        HistoryResponse response,
        ReadHistory(view.reader(), request, view.meta().revision, view.meta().compacted_revision));
    response.header.revision = view.meta().revision;
    return response;
}

absl::StatusOr<HashKvResponse> MvccStore::HashKv(Revision revision) const {
    const ReadView view(db_.get());
    KEEL_ASSIGN_OR_RETURN(
        HashKvResponse response,
        HashHistory(view.reader(), revision, view.meta().revision, view.meta().compacted_revision));
    response.header.revision = view.meta().revision;
    return response;
}

uint64_t MvccStore::ApproximateSizeBytes() const {
    uint64_t sst_bytes = 0;
    uint64_t memtable_bytes = 0;
    KEEL_ASSERT(db_->GetIntProperty(rocksdb::DB::Properties::kTotalSstFilesSize, &sst_bytes));
    KEEL_ASSERT(db_->GetIntProperty(rocksdb::DB::Properties::kSizeAllMemTables, &memtable_bytes));
    return sst_bytes + memtable_bytes;
}

absl::Status MvccStore::Flush() {
    const rocksdb::Status status = db_->Flush(rocksdb::FlushOptions());
    if (!status.ok()) {
        return RocksError("flush failed", status);
    }
    return absl::OkStatus();
}

absl::Status MvccStore::CreateCheckpoint(const std::string& dir) const {
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status status = rocksdb::Checkpoint::Create(db_.get(), &raw);
    if (!status.ok()) {
        return RocksError("cannot start a checkpoint", status);
    }
    const std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    // With the WAL off, RocksDB flushes the memtable into the checkpoint (log size 0 forces
    // it), so the checkpoint holds everything applied and its meta names the applied index.
    status = checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0);
    if (!status.ok()) {
        return RocksError(absl::StrCat("cannot create a checkpoint at ", dir), status);
    }
    return absl::OkStatus();
}

}  // namespace keel::kv
