// The locks client sessions hold (issue #5, docs/sessions.md): a Lock made in a session is
// released by the entry that ends the session (Close, or expiry by the leader's stamp), as
// a lease-held lock is released when its lease expires.
//
// A sessioned Txn marked Command.session_lock records, in the session's record, every key it
// created (a put guarded by a create_revision == 0 compare on the same key) with its create
// revision. When the session ends, each recorded key that still exists with that create
// revision is deleted in one MVCC txn, so waiters see the delete events and get the lock. A
// key deleted since (Unlock) or deleted and recreated by another holder is left alone.
//
// Pure over the store's current state and the wire requests; called by command_applier.cc on
// the loop thread, with the store's lock held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "keel/v1/session.pb.h"
#include "kv/limits.h"
#include "kv/mvcc_store.h"
#include "kv/request.h"

namespace keel::server {

// Locks a session may hold at once; a Lock beyond it is refused (SessionTooManyLocksError).
// Small because every lock of an ending session is deleted in one txn, and the entries of a
// sweep stay small (at most kSessionReleaseOpsMax deletes).
inline constexpr size_t kSessionLocksMax = 8;
// The most locks one entry releases: a sweep ends as many expired sessions as fit.
inline constexpr size_t kSessionReleaseOpsMax = kv::kTxnOpsMaxDefault;
static_assert(kSessionLocksMax <= kSessionReleaseOpsMax);

// RESOURCE_EXHAUSTED "keel: session holds too many locks (limit 8)".
absl::Status SessionTooManyLocksError();

// The keys a successful `txn` created, executed at `revision`: the puts of its success branch
// whose key the txn compared to create_revision == 0.
std::vector<keel::v1::HeldLock> CreatedLocks(const etcdserverpb::TxnRequest& txn, int64_t revision);

// Drops from `record` the held locks whose key is gone or was recreated since (released by
// Unlock or by its lease). Effects: `record.locks` shrinks; nothing else changes.
void PruneReleasedLocks(const kv::MvccStore& store, keel::v1::SessionRecord& record);

// A txn (no compares) deleting every lock the `ended` sessions still hold; no ops when none.
// Precondition: their records hold at most kSessionReleaseOpsMax locks in all.
kv::TxnRequest ReleaseLocksTxn(const kv::MvccStore& store,
                               const std::vector<keel::v1::SessionRecord>& ended);

}  // namespace keel::server
