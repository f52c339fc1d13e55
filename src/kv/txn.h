// Txn: validation, compare evaluation and execution, with etcd's semantics.
#pragma once

#include <cstddef>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "kv/key_value.h"
#include "kv/request.h"
#include "kv/response.h"
#include "kv/write_txn.h"

namespace keel::kv {

// Checks a Txn before it runs, as etcd does at its API layer (keel repeats it at apply,
// where it is deterministic, so the server may reject early or not at all):
//   - compare, success and failure each list at most `ops_max` entries, at every level
//     (TooManyOpsError);
//   - no key is empty (EmptyKeyError), nesting is at most kTxnDepthMax deep
//     (InvalidArgument);
//   - along any path the txn may take, no key is put twice and no put falls inside a
//     deleted range (DuplicateKeyError). Like etcd, the check is conservative across the
//     branches of sibling nested txns: it takes the union of each nested txn's branches.
absl::Status ValidateTxn(const TxnRequest& request, size_t ops_max);

// True if no branch of the txn, at any depth, contains a Put or a DeleteRange.
bool IsReadOnly(const TxnRequest& request);

// True if `kv` satisfies `compare` (the key range is the caller's business).
bool CompareHolds(const Compare& compare, const KeyValue& kv);

// True if every key in the compare's range satisfies it, read through `txn`. A range with no
// live key compares as one absent key (all fields zero), except that a VALUE compare on it
// fails: no value is not the empty value (etcd's rule).
bool EvaluateCompare(const WriteTxn& txn, const Compare& compare);

// Evaluates the compares, then runs the chosen branch through `txn`. Precondition:
// ValidateTxn(request) passed. Errors: the first failing operation's; the caller must then
// drop `txn` so that none of the txn's changes survive. Headers are left for the caller.
absl::StatusOr<TxnResponse> ExecuteTxn(WriteTxn& txn, const TxnRequest& request);

// Sets the header revision of `response` and of every response nested in it.
void SetTxnHeaders(Revision revision, TxnResponse* response);

}  // namespace keel::kv
