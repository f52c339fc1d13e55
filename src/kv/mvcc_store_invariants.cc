// MvccStore::CheckInvariants: the O(size) audit of the class invariants, for tests and the
// simulator. Kept apart from the apply path it audits.
#include <optional>
#include <string>

#include "base/assert.h"
#include "kv/key_encoding.h"
#include "kv/lease_store.h"
#include "kv/mvcc_store.h"
#include "kv/range.h"
#include "kv/state_reader.h"

namespace keel::kv {
namespace {

// Per key, in revision order: versions count up from 1 after a (re)creation and keep the
// creation revision; a tombstone ends the generation.
void CheckVersionChain(const std::optional<encoding::VersionRecord>& prev,
                       const encoding::VersionRecord& next) {
    if (next.kind == encoding::VersionKind::kTombstone) {
        KEEL_ASSERT_MSG(!prev.has_value() || prev->kind == encoding::VersionKind::kPut,
                        "kv: key %s deleted twice in a row",
                        next.kv.key);
        return;
    }
    if (!prev.has_value()) {
        // The first surviving version: compaction may have removed its predecessors.
        KEEL_ASSERT(next.kv.version >= 1);
        KEEL_ASSERT(next.kv.create_revision <= next.kv.mod_revision);
        return;
    }
    if (prev->kind == encoding::VersionKind::kTombstone) {
        KEEL_ASSERT(next.kv.version == 1);
        KEEL_ASSERT(next.kv.create_revision == next.kv.mod_revision);
    } else {
        KEEL_ASSERT(next.kv.version == prev->kv.version + 1);
        KEEL_ASSERT(next.kv.create_revision == prev->kv.create_revision);
    }
}

// Walks the key index; returns the number of entries.
uint64_t CheckKeyIndex(const StateReader& reader, const encoding::StoreMeta& meta) {
    uint64_t entries = 0;
    std::optional<encoding::VersionRecord> prev;
    auto it = reader.NewIterator(encoding::KeyIndexRangeStart(""),
                                 encoding::KeyIndexRangeEnd(std::nullopt));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        ++entries;
        const encoding::IndexEntry entry = encoding::DecodeKeyIndexKey(it->key());
        KEEL_ASSERT(entry.revision.main <= meta.revision);
        const std::optional<std::string> bytes = reader.Get(encoding::RevisionKey(entry.revision));
        KEEL_ASSERT_MSG(bytes.has_value(),
                        "kv: index entry %s@%d has no history record",
                        entry.user_key,
                        entry.revision.main.value());
        encoding::VersionRecord record = encoding::DecodeVersionRecord(*bytes, entry.revision);
        KEEL_ASSERT(record.kv.key == entry.user_key);
        KEEL_ASSERT(record.kind == encoding::DecodeVersionKind(it->value()));
        if (prev.has_value() && prev->kv.key != record.kv.key) {
            prev.reset();
        }
        CheckVersionChain(prev, record);
        prev = std::move(record);
    }
    it->AssertOk();
    return entries;
}

uint64_t CountHistory(const StateReader& reader, const encoding::StoreMeta& meta) {
    uint64_t records = 0;
    auto it = reader.NewIterator(encoding::RevisionKey({Revision(0), 0}),
                                 encoding::RevisionKeyspaceEnd());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        KEEL_ASSERT(encoding::DecodeRevisionKey(it->key()).main <= meta.revision);
        ++records;
    }
    it->AssertOk();
    return records;
}

void CheckLeases(const StateReader& reader, const encoding::StoreMeta& meta) {
    const LeaseStore leases(reader, nullptr);
    uint64_t attached = 0;
    for (const LeaseRecord& lease : leases.List()) {
        for (const std::string& key : leases.AttachedKeys(lease.id)) {
            const std::optional<KeyValue> kv = VisibleAt(reader, key, meta.revision);
            KEEL_ASSERT_MSG(
                kv.has_value(), "kv: lease %d holds deleted key %s", lease.id.value(), key);
            KEEL_ASSERT(kv->lease == lease.id);
            ++attached;
        }
    }
    uint64_t leased_keys = 0;
    for (const VisibleVersion& version : ListVisible(reader, KeyRange{}, meta.revision)) {
        if (!ReadVersion(reader, version.revision).lease.is_none()) {
            ++leased_keys;
        }
    }
    KEEL_ASSERT_MSG(
        attached == leased_keys, "kv: %d attach entries for %d leased keys", attached, leased_keys);
}

}  // namespace

void MvccStore::CheckInvariants() const {
    KEEL_ASSERT(meta_.compacted_revision <= meta_.revision);
    KEEL_ASSERT(meta_.revision >= kInitialRevision);
    const StateReader reader(db_.get(), nullptr);
    if (const std::optional<std::string> bytes = reader.Get(encoding::kMetaKey)) {
        KEEL_ASSERT(encoding::DecodeStoreMeta(*bytes) == meta_);
    } else {
        KEEL_ASSERT(meta_.applied_index.is_none());
    }
    const uint64_t index_entries = CheckKeyIndex(reader, meta_);
    const uint64_t history_records = CountHistory(reader, meta_);
    // Every index entry found its own record, and there are no others.
    KEEL_ASSERT_MSG(index_entries == history_records,
                    "kv: %d index entries, %d history records",
                    index_entries,
                    history_records);
    CheckLeases(reader, meta_);
    KEEL_ASSERT_MSG(LiveKeyIndex::Build(reader) == live_,
                    "kv: the live-key index (%d keys) disagrees with the store",
                    live_.size());
}

}  // namespace keel::kv
