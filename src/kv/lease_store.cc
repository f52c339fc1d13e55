#include "kv/lease_store.h"

#include "base/assert.h"

namespace keel::kv {
namespace {

void AssertOk(const rocksdb::Status& status) {
    KEEL_ASSERT_MSG(status.ok(), "kv: staging a write failed: %s", status.ToString());
}

rocksdb::Slice ToSlice(std::string_view s) {
    return {s.data(), s.size()};
}

}  // namespace

LeaseStore::LeaseStore(const StateReader& reader, rocksdb::WriteBatchBase* batch)
    : reader_(reader), batch_(batch) {}

std::optional<LeaseRecord> LeaseStore::Find(LeaseId id) const {
    const std::optional<std::string> bytes = reader_.Get(encoding::LeaseKey(id));
    if (!bytes.has_value()) {
        return std::nullopt;
    }
    return encoding::DecodeLeaseRecord(*bytes, id);
}

std::vector<LeaseRecord> LeaseStore::List() const {
    std::vector<LeaseRecord> leases;
    auto it = reader_.NewIterator(encoding::LeaseKeyspaceStart(), encoding::LeaseKeyspaceEnd());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        leases.push_back(
            encoding::DecodeLeaseRecord(it->value(), encoding::DecodeLeaseKey(it->key())));
    }
    it->AssertOk();
    return leases;
}

std::vector<std::string> LeaseStore::AttachedKeys(LeaseId id) const {
    std::vector<std::string> keys;
    auto it =
        reader_.NewIterator(encoding::LeaseAttachPrefix(id), encoding::LeaseAttachPrefixEnd(id));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        keys.emplace_back(encoding::DecodeLeaseAttachKey(it->key()));
    }
    it->AssertOk();
    return keys;
}

void LeaseStore::Write(const LeaseRecord& record) {
    KEEL_ASSERT(!record.id.is_none());
    AssertOk(batch().Put(encoding::LeaseKey(record.id), encoding::EncodeLeaseRecord(record)));
}

void LeaseStore::Remove(LeaseId id) {
    KEEL_DASSERT(AttachedKeys(id).empty());
    AssertOk(batch().Delete(encoding::LeaseKey(id)));
}

void LeaseStore::Attach(LeaseId id, std::string_view key) {
    KEEL_ASSERT(!id.is_none());
    AssertOk(batch().Put(encoding::LeaseAttachKey(id, key), rocksdb::Slice()));
}

void LeaseStore::Detach(LeaseId id, std::string_view key) {
    KEEL_ASSERT(!id.is_none());
    AssertOk(batch().Delete(ToSlice(encoding::LeaseAttachKey(id, key))));
}

rocksdb::WriteBatchBase& LeaseStore::batch() {
    KEEL_ASSERT_MSG(batch_ != nullptr, "kv: write through a read-only lease view");
    return *batch_;
}

}  // namespace keel::kv
