#include "kv/compaction.h"

#include <optional>

#include "base/assert.h"
#include "kv/key_encoding.h"

namespace keel::kv {
namespace {

struct IndexVersion {
    encoding::IndexEntry entry;
    encoding::VersionKind kind;
};

void StageRemoval(const encoding::IndexEntry& entry, rocksdb::WriteBatchBase* batch) {
    rocksdb::Status status = batch->Delete(encoding::KeyIndexKey(entry.user_key, entry.revision));
    KEEL_ASSERT_MSG(status.ok(), "kv: staging a delete failed: %s", status.ToString());
    status = batch->Delete(encoding::RevisionKey(entry.revision));
    KEEL_ASSERT_MSG(status.ok(), "kv: staging a delete failed: %s", status.ToString());
}

}  // namespace

uint64_t StageCompaction(const StateReader& reader, Revision at, rocksdb::WriteBatchBase* batch) {
    uint64_t removed = 0;
    // The latest version at or below `at` of the key being scanned: kept if live.
    std::optional<IndexVersion> newest_old;
    auto finish_key = [&] {
        if (newest_old.has_value() && newest_old->kind == encoding::VersionKind::kTombstone) {
            StageRemoval(newest_old->entry, batch);
            ++removed;
        }
        newest_old.reset();
    };
    auto it = reader.NewIterator(encoding::KeyIndexRangeStart(""),
                                 encoding::KeyIndexRangeEnd(std::nullopt));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        IndexVersion version{.entry = encoding::DecodeKeyIndexKey(it->key()),
                             .kind = encoding::DecodeVersionKind(it->value())};
        if (newest_old.has_value() && newest_old->entry.user_key != version.entry.user_key) {
            finish_key();
        }
        if (version.entry.revision.main > at) {
            continue;
        }
        if (newest_old.has_value()) {
            StageRemoval(newest_old->entry, batch);
            ++removed;
        }
        newest_old = std::move(version);
    }
    it->AssertOk();
    finish_key();
    return removed;
}

}  // namespace keel::kv
