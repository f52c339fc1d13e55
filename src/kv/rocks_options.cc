#include "kv/rocks_options.h"

#include <memory>

#include <rocksdb/slice_transform.h>

#include "kv/key_encoding.h"

namespace keel::kv {
namespace {

// Maps a key of an append-only keyspace to its one-byte keyspace prefix (the hint's slot);
// every other key is out of the domain and inserted without a hint.
class AppendOnlyKeyspace : public rocksdb::SliceTransform {
public:
    const char* Name() const override { return "keel.AppendOnlyKeyspace"; }

    rocksdb::Slice Transform(const rocksdb::Slice& key) const override { return {key.data(), 1}; }

    bool InDomain(const rocksdb::Slice& key) const override {
        if (key.empty()) {
            return false;
        }
        return key[0] == encoding::kRevisionPrefix || key[0] == encoding::kMetaKey[0];
    }
};

}  // namespace

rocksdb::Options StoreRocksOptions() {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.memtable_insert_with_hint_prefix_extractor = std::make_shared<AppendOnlyKeyspace>();
    return options;
}

}  // namespace keel::kv
