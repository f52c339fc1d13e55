#include "kv/state_reader.h"

#include "base/assert.h"

namespace keel::kv {

BoundedIterator::BoundedIterator(std::string lower, std::string upper)
    : lower_(std::move(lower)), upper_(std::move(upper)) {
    KEEL_ASSERT(lower_ <= upper_);
    lower_slice_ = ToSlice(lower_);
    upper_slice_ = ToSlice(upper_);
    options_.iterate_lower_bound = &lower_slice_;
    options_.iterate_upper_bound = &upper_slice_;
}

bool BoundedIterator::Valid() const {
    if (!it_->Valid()) {
        return false;
    }
    const std::string_view k = key();
    return k >= std::string_view(lower_) && k < std::string_view(upper_);
}

std::string_view BoundedIterator::key() const {
    const rocksdb::Slice k = it_->key();
    return {k.data(), k.size()};
}

std::string_view BoundedIterator::value() const {
    const rocksdb::Slice v = it_->value();
    return {v.data(), v.size()};
}

void BoundedIterator::AssertOk() const {
    const rocksdb::Status status = it_->status();
    KEEL_ASSERT_MSG(status.ok(), "kv: RocksDB iterator failed: %s", status.ToString());
}

StateReader::StateReader(rocksdb::DB* db,
                         rocksdb::WriteBatchWithIndex* pending,
                         const rocksdb::Snapshot* snapshot)
    : db_(db), pending_(pending), snapshot_(snapshot) {
    KEEL_ASSERT(db_ != nullptr);
}

std::optional<std::string> StateReader::Get(std::string_view key) const {
    std::string value;
    const rocksdb::Slice k(key.data(), key.size());
    rocksdb::ReadOptions options;
    options.snapshot = snapshot_;
    const rocksdb::Status status = pending_ == nullptr
                                       ? db_->Get(options, k, &value)
                                       : pending_->GetFromBatchAndDB(db_, options, k, &value);
    if (status.IsNotFound()) {
        return std::nullopt;
    }
    KEEL_ASSERT_MSG(status.ok(), "kv: RocksDB read failed: %s", status.ToString());
    return value;
}

std::unique_ptr<BoundedIterator> StateReader::NewIterator(std::string lower,
                                                          std::string upper) const {
    auto it = std::make_unique<BoundedIterator>(std::move(lower), std::move(upper));
    it->options_.snapshot = snapshot_;
    rocksdb::Iterator* base = db_->NewIterator(it->options_);
    if (pending_ == nullptr) {
        it->it_.reset(base);
    } else {
        it->it_.reset(
            pending_->NewIteratorWithBase(db_->DefaultColumnFamily(), base, &it->options_));
    }
    return it;
}

}  // namespace keel::kv
