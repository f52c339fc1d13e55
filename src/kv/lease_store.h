// The lease keyspaces: one record per lease (granted TTL, checkpointed remaining TTL) and
// one entry per key attached to a lease.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/write_batch_base.h>

#include "base/ids.h"
#include "kv/key_encoding.h"
#include "kv/state_reader.h"

namespace keel::kv {

using encoding::LeaseRecord;

// A view of the lease keyspaces for one read or one apply. Reads go through `reader`;
// writes are staged in `batch`, which may be null for a read-only view.
// Invariant (kept by WriteTxn): key k is attached to lease l iff the latest version of k is
// live and has lease l.
// Not thread-safe; borrows the reader and the batch.
class LeaseStore {
public:
    LeaseStore(const StateReader& reader, rocksdb::WriteBatchBase* batch);

    std::optional<LeaseRecord> Find(LeaseId id) const;
    // Every lease, in id order.
    std::vector<LeaseRecord> List() const;
    // The keys attached to `id`, in key order.
    std::vector<std::string> AttachedKeys(LeaseId id) const;

    // The writes below require a batch.
    void Write(const LeaseRecord& record);
    // Removes the lease record. Precondition: no keys are attached any more.
    void Remove(LeaseId id);
    void Attach(LeaseId id, std::string_view key);
    void Detach(LeaseId id, std::string_view key);

private:
    rocksdb::WriteBatchBase& batch();

    const StateReader& reader_;
    rocksdb::WriteBatchBase* batch_;
};

}  // namespace keel::kv
