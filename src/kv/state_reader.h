// Reads of the store's RocksDB keyspaces, optionally through the batch an apply is building.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <rocksdb/db.h>
#include <rocksdb/utilities/write_batch_with_index.h>

namespace keel::kv {

// An iterator over [lower, upper) that owns its bounds (RocksDB keeps pointers to them).
// Valid() is false once the iterator leaves the bounds in either direction, whether or not
// the underlying iterator enforces them (a batch-with-base iterator does not on its delta).
class BoundedIterator {
public:
    BoundedIterator(std::string lower, std::string upper);
    BoundedIterator(const BoundedIterator&) = delete;
    BoundedIterator& operator=(const BoundedIterator&) = delete;

    bool Valid() const;

    void Seek(std::string_view target) { it_->Seek(ToSlice(target)); }

    void SeekForPrev(std::string_view target) { it_->SeekForPrev(ToSlice(target)); }

    void SeekToFirst() { it_->Seek(lower_); }

    void Next() { it_->Next(); }

    void Prev() { it_->Prev(); }

    std::string_view key() const;
    std::string_view value() const;
    // Crashes if RocksDB reported an I/O error or corruption (see docs/kv.md, "Errors").
    void AssertOk() const;

private:
    friend class StateReader;

    static rocksdb::Slice ToSlice(std::string_view s) { return {s.data(), s.size()}; }

    std::string lower_;
    std::string upper_;
    rocksdb::Slice lower_slice_;
    rocksdb::Slice upper_slice_;
    rocksdb::ReadOptions options_;
    std::unique_ptr<rocksdb::Iterator> it_;
};

// A read view of the store: the committed RocksDB state (as of `snapshot`, when one is
// given), overlaid with `pending` (the batch of the apply in progress) when one is given, so
// that later operations of a Txn see the writes of earlier ones.
// Not thread-safe; it borrows the DB, the batch and the snapshot, which must outlive it.
class StateReader {
public:
    StateReader(rocksdb::DB* db,
                rocksdb::WriteBatchWithIndex* pending,
                const rocksdb::Snapshot* snapshot = nullptr);

    std::optional<std::string> Get(std::string_view key) const;
    std::unique_ptr<BoundedIterator> NewIterator(std::string lower, std::string upper) const;

private:
    rocksdb::DB* db_;
    rocksdb::WriteBatchWithIndex* pending_;
    const rocksdb::Snapshot* snapshot_;
};

}  // namespace keel::kv
