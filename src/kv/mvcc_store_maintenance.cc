// MvccStore's maintenance for etcd's Maintenance service: Hash and Defragment.
#include <memory>

#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "base/crc32c.h"
#include "kv/key_encoding.h"
#include "kv/mvcc_store.h"

namespace keel::kv {

StoreHash MvccStore::HashAll() const {
    const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
    rocksdb::ReadOptions options;
    options.snapshot = snapshot;
    options.fill_cache = false;
    StoreHash result{.revision = kInitialRevision};
    uint32_t crc = 0;
    {
        const std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            const std::string_view key(it->key().data(), it->key().size());
            const std::string_view value(it->value().data(), it->value().size());
            if (key == encoding::kMetaKey) {
                result.revision = encoding::DecodeStoreMeta(value).revision;
                continue;
            }
            crc = base::Crc32c(key, crc);
            crc = base::Crc32c(value, crc);
        }
        KEEL_ASSERT_MSG(it->status().ok(), "kv: hash scan failed: %s", it->status().ToString());
    }
    db_->ReleaseSnapshot(snapshot);
    result.hash = crc;
    return result;
}

absl::Status MvccStore::Defragment() {
    rocksdb::CompactRangeOptions options;
    options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    const rocksdb::Status status = db_->CompactRange(options, nullptr, nullptr);
    if (!status.ok()) {
        return absl::InternalError(absl::StrCat("kv: defragment failed: ", status.ToString()));
    }
    return absl::OkStatus();
}

}  // namespace keel::kv
