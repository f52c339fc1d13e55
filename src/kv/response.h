// The responses of the MVCC store: plain C++ mirrors of etcd's etcdserverpb messages.
// Header fields other than the revision (cluster id, member id, raft term) are the
// server's to fill.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/ids.h"
#include "kv/key_value.h"
#include "kv/watch_events.h"

namespace keel::kv {

struct ResponseHeader {
    // The store revision after the request: for a read, the current revision (even when it
    // read at a past one); for a write, the revision it created (or the current one if it
    // changed nothing).
    Revision revision;
};

struct RangeResponse {
    ResponseHeader header;
    std::vector<KeyValue> kvs;
    // More keys matched than `limit` allowed to return.
    bool more = false;
    // The number of keys in the range at the read revision, ignoring limit and the
    // min/max revision filters (etcd's semantics).
    int64_t count = 0;
};

struct PutResponse {
    ResponseHeader header;
    std::optional<KeyValue> prev_kv;
};

struct DeleteRangeResponse {
    ResponseHeader header;
    int64_t deleted = 0;
    std::vector<KeyValue> prev_kvs;
};

struct ResponseOp;

struct TxnResponse {
    ResponseHeader header;
    bool succeeded = false;
    std::vector<ResponseOp> responses;
};

struct ResponseOp {
    std::variant<RangeResponse, PutResponse, DeleteRangeResponse, TxnResponse> response;
};

struct CompactionResponse {
    ResponseHeader header;
};

struct LeaseGrantResponse {
    ResponseHeader header;
    LeaseId id;
    int64_t ttl = 0;
};

struct LeaseRevokeResponse {
    ResponseHeader header;
};

struct LeaseCheckpointResponse {
    ResponseHeader header;
};

// The store's half of etcd's LeaseTimeToLiveResponse. The remaining TTL is the server's
// business (it owns the clock): it starts from remaining_ttl_hint when one was checkpointed,
// else from granted_ttl.
struct LeaseTimeToLiveResponse {
    ResponseHeader header;
    LeaseId id;
    int64_t granted_ttl = 0;
    // The last checkpointed remaining TTL, or nullopt if none was ever checkpointed.
    std::optional<int64_t> remaining_ttl_hint;
    // The attached keys in key order, when requested.
    std::vector<std::string> keys;
};

struct LeaseStatus {
    LeaseId id;
    int64_t granted_ttl = 0;
    std::optional<int64_t> remaining_ttl_hint;
};

struct LeaseLeasesResponse {
    ResponseHeader header;
    // Every lease, in id order.
    std::vector<LeaseStatus> leases;
};

struct HistoryResponse {
    ResponseHeader header;
    // Ordered by (revision, sub-revision).
    Events events;
    // The revision to continue from: one past the last revision returned, or the current
    // revision + 1 when the history was read to its end.
    Revision next_revision;
};

// A digest of the MVCC history, for comparing replicas (etcd's HashKV).
struct HashKvResponse {
    ResponseHeader header;
    uint32_t hash = 0;
    Revision compact_revision;
    // The revision the hash covers history up to (inclusive).
    Revision hash_revision;
};

// The response to each WriteRequest alternative, in the same order.
using WriteResponse = std::variant<PutResponse,
                                   DeleteRangeResponse,
                                   TxnResponse,
                                   CompactionResponse,
                                   LeaseGrantResponse,
                                   LeaseRevokeResponse,
                                   LeaseCheckpointResponse>;

}  // namespace keel::kv
