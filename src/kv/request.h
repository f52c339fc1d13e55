// The requests the MVCC store applies or answers: plain C++ mirrors of etcd's
// etcdserverpb messages, field for field and in etcd's snake_case names. The server
// translates protobuf to these structs; nothing here knows protobuf, gRPC or Raft.
//
// Conventions shared by every request naming a key range (etcd's):
//   - range_end empty: the single key `key`;
//   - range_end == "\0" (one NUL byte): every key >= key;
//   - otherwise the half-open range [key, range_end). The prefix form is range_end =
//     key with its last byte incremented (PrefixEnd() in key_range.h computes it);
//   - key == "\0" with range_end == "\0": every key.
// Revisions of 0 mean "the current revision". Signed integers stay signed where etcd's
// wire type is signed and the sign carries meaning (limit, compare targets, TTLs).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/ids.h"

namespace keel::kv {

enum class SortOrder {
    kNone,
    kAscend,
    kDescend,
};

enum class SortTarget {
    kKey,
    kVersion,
    kCreate,
    kMod,
    kValue,
};

struct RangeRequest {
    std::string key;
    std::string range_end;
    // The most keys to return; 0 or negative means no limit.
    int64_t limit = 0;
    // The revision to read at; 0 means the current revision.
    Revision revision;
    SortOrder sort_order = SortOrder::kNone;
    SortTarget sort_target = SortTarget::kKey;
    // Linearizable versus serializable read: the server's business; the store ignores it.
    bool serializable = false;
    bool keys_only = false;
    bool count_only = false;
    // Filters on the returned keys; 0 means "no bound". They do not change `count`.
    Revision min_mod_revision;
    Revision max_mod_revision;
    Revision min_create_revision;
    Revision max_create_revision;
};

struct PutRequest {
    std::string key;
    std::string value;
    // The lease to attach the key to; 0 means none.
    LeaseId lease;
    bool prev_kv = false;
    // Keep the key's current value (the key must exist; `value` must be empty).
    bool ignore_value = false;
    // Keep the key's current lease (the key must exist; `lease` must be 0).
    bool ignore_lease = false;
};

struct DeleteRangeRequest {
    std::string key;
    std::string range_end;
    bool prev_kv = false;
};

enum class CompareResult {
    kEqual,
    kGreater,
    kLess,
    kNotEqual,
};

enum class CompareTarget {
    kVersion,
    kCreate,
    kMod,
    kValue,
    kLease,
};

// One guard of a Txn: "<target of every key in range> <result> <operand>".
// Only the operand field named by `target` is read (etcd's target_union oneof). The numeric
// operands are signed int64 as on the wire, so any comparison a client can express (e.g.
// "mod_revision > -1") keeps its meaning.
struct Compare {
    CompareResult result = CompareResult::kEqual;
    CompareTarget target = CompareTarget::kVersion;
    std::string key;
    std::string range_end;
    int64_t version = 0;
    int64_t create_revision = 0;
    int64_t mod_revision = 0;
    std::string value;
    int64_t lease = 0;
};

struct RequestOp;

// If every compare holds, run `success`, else `failure`; atomically, as one revision.
struct TxnRequest {
    std::vector<Compare> compare;
    std::vector<RequestOp> success;
    std::vector<RequestOp> failure;
};

struct RequestOp {
    std::variant<RangeRequest, PutRequest, DeleteRangeRequest, TxnRequest> request;
};

struct CompactionRequest {
    // Remove history at or below this revision (keeping each key's latest live version).
    Revision revision;
    // etcd waits for physical removal when set; keel always compacts within the apply.
    bool physical = false;
};

struct LeaseGrantRequest {
    // Requested time to live, in seconds.
    int64_t ttl = 0;
    // The lease id, or 0 to let the store choose one deterministically.
    LeaseId id;
};

struct LeaseRevokeRequest {
    LeaseId id;
};

// The remaining TTL of one lease as the leader saw it, persisted so that a new leader does
// not restart every lease at its full TTL (etcd's LeaseCheckpoint).
struct LeaseCheckpoint {
    LeaseId id;
    int64_t remaining_ttl = 0;
};

struct LeaseCheckpointRequest {
    std::vector<LeaseCheckpoint> checkpoints;
};

struct LeaseTimeToLiveRequest {
    LeaseId id;
    // List the keys attached to the lease.
    bool keys = false;
};

// Watch support: the events on [key, range_end) from start_revision on, read from history.
struct HistoryRequest {
    std::string key;
    std::string range_end;
    Revision start_revision;
    bool prev_kv = false;
    // Stop after about this many events (at a revision boundary); at most kHistoryEventsMax.
    size_t events_max = 0;
};

// Every request that travels as a Raft entry, for MvccStore::Apply.
using WriteRequest = std::variant<PutRequest,
                                  DeleteRangeRequest,
                                  TxnRequest,
                                  CompactionRequest,
                                  LeaseGrantRequest,
                                  LeaseRevokeRequest,
                                  LeaseCheckpointRequest>;

}  // namespace keel::kv
