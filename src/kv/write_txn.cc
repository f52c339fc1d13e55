#include "kv/write_txn.h"

#include <rocksdb/comparator.h>

#include "base/assert.h"
#include "base/status.h"
#include "kv/errors.h"
#include "kv/key_encoding.h"
#include "kv/range.h"

namespace keel::kv {
namespace {

constexpr size_t kBatchReservedBytes = 0;

void AssertOk(const rocksdb::Status& status) {
    KEEL_ASSERT_MSG(status.ok(), "kv: staging a write failed: %s", status.ToString());
}

}  // namespace

WriteTxn::WriteTxn(rocksdb::DB* db,
                   Revision begin_revision,
                   Revision compacted_revision,
                   const rocksdb::Snapshot* snapshot,
                   const LiveKeyIndex* live)
    : batch_(rocksdb::BytewiseComparator(), kBatchReservedBytes, /*overwrite_key=*/true),
      reader_(db, &batch_, snapshot),
      live_(live),
      leases_(reader_, &batch_),
      begin_revision_(begin_revision),
      compacted_revision_(compacted_revision) {
    KEEL_ASSERT(compacted_revision_ <= begin_revision_);
    if (live_ != nullptr) {
        KEEL_ASSERT(snapshot == nullptr);
    }
}

Revision WriteTxn::read_revision() const {
    return changed() ? begin_revision_.Next() : begin_revision_;
}

absl::StatusOr<RangeResponse> WriteTxn::Range(const RangeRequest& request) const {
    return ExecuteRange(reader_, request, read_revision(), compacted_revision_);
}

absl::StatusOr<PutResponse> WriteTxn::Put(const PutRequest& request) {
    if (request.key.empty()) {
        return EmptyKeyError();
    }
    if (request.ignore_value && !request.value.empty()) {
        return ValueProvidedError();
    }
    if (request.ignore_lease && !request.lease.is_none()) {
        return LeaseProvidedError();
    }
    std::optional<KeyValue> prev = Latest(request.key);
    if ((request.ignore_value || request.ignore_lease) && !prev.has_value()) {
        return KeyNotFoundError();
    }
    const LeaseId lease = request.ignore_lease ? prev->lease : request.lease;
    if (!lease.is_none() && !leases_.Find(lease).has_value()) {
        return LeaseNotFoundError();
    }
    const FullRevision at = NextChange();
    encoding::VersionRecord record{.kind = encoding::VersionKind::kPut};
    KeyValue& kv = record.kv;
    kv.key = request.key;
    kv.create_revision = prev.has_value() ? prev->create_revision : at.main;
    kv.mod_revision = at.main;
    kv.version = prev.has_value() ? prev->version + 1 : 1;
    kv.value = request.ignore_value ? prev->value : request.value;
    kv.lease = lease;
    StageVersion(record, at);
    if (prev.has_value() && !prev->lease.is_none() && prev->lease != lease) {
        leases_.Detach(prev->lease, kv.key);
    }
    if (!lease.is_none()) {
        leases_.Attach(lease, kv.key);
    }
    PutResponse response;
    if (request.prev_kv) {
        response.prev_kv = prev;
    }
    events_.push_back(
        Event{.type = EventType::kPut, .kv = std::move(kv), .prev_kv = std::move(prev)});
    return response;
}

absl::StatusOr<DeleteRangeResponse> WriteTxn::DeleteRange(const DeleteRangeRequest& request) {
    if (request.key.empty()) {
        return EmptyKeyError();
    }
    // Collect first: the batch must not change under a live iterator.
    const std::vector<VisibleVersion> visible = ListVisible(
        reader_, KeyRange::FromRequest(request.key, request.range_end), read_revision());
    DeleteRangeResponse response;
    response.deleted = static_cast<int64_t>(visible.size());
    for (const VisibleVersion& version : visible) {
        KeyValue current = ReadVersion(reader_, version.revision);
        DeleteKey(current);
        if (request.prev_kv) {
            response.prev_kvs.push_back(std::move(current));
        }
    }
    return response;
}

void WriteTxn::DeleteKey(const KeyValue& current) {
    KEEL_ASSERT(!current.key.empty());
    KEEL_ASSERT(current.version >= 1);
    const FullRevision at = NextChange();
    encoding::VersionRecord tombstone{.kind = encoding::VersionKind::kTombstone};
    tombstone.kv.key = current.key;
    tombstone.kv.mod_revision = at.main;
    StageVersion(tombstone, at);
    if (!current.lease.is_none()) {
        leases_.Detach(current.lease, current.key);
    }
    events_.push_back(
        Event{.type = EventType::kDelete, .kv = std::move(tombstone.kv), .prev_kv = current});
}

std::optional<KeyValue> WriteTxn::Latest(std::string_view key) const {
    if (live_ == nullptr) {
        return VisibleAt(reader_, key, read_revision());
    }
    const auto staged = staged_latest_.find(absl::string_view(key.data(), key.size()));
    const std::optional<FullRevision> latest =
        staged != staged_latest_.end() ? staged->second : live_->Find(key);
    if (!latest.has_value()) {
        return std::nullopt;
    }
    KeyValue kv = ReadVersion(reader_, *latest);
    KEEL_ASSERT(kv.key == key);
    return kv;
}

void WriteTxn::CommitLiveChanges(LiveKeyIndex* live) const {
    KEEL_ASSERT(live != nullptr);
    KEEL_ASSERT(live == live_);
    for (const auto& [key, latest] : staged_latest_) {
        live->Set(key, latest);
    }
}

FullRevision WriteTxn::NextChange() {
    KEEL_ASSERT(next_sub_ < FullRevision::kSubMax);
    return FullRevision{.main = begin_revision_.Next(), .sub = next_sub_++};
}

void WriteTxn::StageVersion(const encoding::VersionRecord& record, FullRevision at) {
    KEEL_ASSERT(record.kv.mod_revision == at.main);
    AssertOk(batch_.Put(encoding::RevisionKey(at), encoding::EncodeVersionRecord(record)));
    AssertOk(batch_.Put(encoding::KeyIndexKey(record.kv.key, at),
                        encoding::EncodeVersionKind(record.kind)));
    if (live_ != nullptr) {
        std::optional<FullRevision> latest;
        if (record.kind == encoding::VersionKind::kPut) {
            latest = at;
        }
        staged_latest_.insert_or_assign(record.kv.key, latest);
    }
}

}  // namespace keel::kv
