#include "server/session_locks.h"

#include <algorithm>
#include <optional>

#include "base/assert.h"

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;

// True if `txn` guards `key` with create_revision == 0 (the key did not exist).
bool GuardsAbsence(const pb::TxnRequest& txn, const std::string& key) {
    return std::any_of(txn.compare().begin(), txn.compare().end(), [&](const pb::Compare& c) {
        return c.key() == key && c.range_end().empty() && c.target() == pb::Compare::CREATE
               && c.result() == pb::Compare::EQUAL && c.create_revision() == 0;
    });
}

// The key's current create revision, or none when it does not exist.
std::optional<int64_t> CreateRevision(const kv::MvccStore& store, const std::string& key) {
    absl::StatusOr<kv::RangeResponse> got = store.Range(kv::RangeRequest{.key = key});
    if (!got.ok() || got->kvs.empty()) {
        return std::nullopt;
    }
    return static_cast<int64_t>(got->kvs[0].create_revision.value());
}

bool StillHeld(const kv::MvccStore& store, const keel::v1::HeldLock& lock) {
    return CreateRevision(store, lock.key()) == lock.create_revision();
}

}  // namespace

absl::Status SessionTooManyLocksError() {
    return absl::ResourceExhaustedError("keel: session holds too many locks (limit 8)");
}

std::vector<keel::v1::HeldLock> CreatedLocks(const pb::TxnRequest& txn, int64_t revision) {
    KEEL_ASSERT(revision > 0);
    std::vector<keel::v1::HeldLock> created;
    for (const pb::RequestOp& op : txn.success()) {
        if (op.has_request_put() && GuardsAbsence(txn, op.request_put().key())) {
            keel::v1::HeldLock& lock = created.emplace_back();
            lock.set_key(op.request_put().key());
            lock.set_create_revision(revision);
        }
    }
    return created;
}

void PruneReleasedLocks(const kv::MvccStore& store, keel::v1::SessionRecord& record) {
    auto* locks = record.mutable_locks();
    locks->erase(std::remove_if(locks->begin(),
                                locks->end(),
                                [&](const keel::v1::HeldLock& l) { return !StillHeld(store, l); }),
                 locks->end());
}

kv::TxnRequest ReleaseLocksTxn(const kv::MvccStore& store,
                               const std::vector<keel::v1::SessionRecord>& ended) {
    kv::TxnRequest txn;
    std::vector<std::string> keys;
    size_t held = 0;
    for (const keel::v1::SessionRecord& record : ended) {
        held += static_cast<size_t>(record.locks_size());
    }
    KEEL_ASSERT_MSG(held <= kSessionReleaseOpsMax, "%d held locks exceed one txn", held);
    for (const keel::v1::SessionRecord& record : ended) {
        for (const keel::v1::HeldLock& lock : record.locks()) {
            if (StillHeld(store, lock)) {
                keys.push_back(lock.key());
            }
        }
    }
    // A txn may not delete one key twice (two records cannot hold one incarnation, but the
    // check is cheap).
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (std::string& key : keys) {
        txn.success.push_back(
            kv::RequestOp{.request = kv::DeleteRangeRequest{.key = std::move(key)}});
    }
    return txn;
}

}  // namespace keel::server
