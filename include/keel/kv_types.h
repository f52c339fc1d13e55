// The values keel's C++ client hands back and takes: plain structs, independent of the etcd
// protobufs (which keel/txn.h uses internally).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keel::client {

struct KeyValue {
    std::string key;
    std::string value;
    int64_t create_revision = 0;
    int64_t mod_revision = 0;
    int64_t version = 0;
    int64_t lease = 0;
};

struct GetOptions {
    // Every key that starts with the key (etcd's --prefix); overrides range_end.
    bool prefix = false;
    // Non-empty: the range [key, range_end). "\0" means every key >= key.
    std::string range_end;
    // Read at this revision (0: the newest).
    int64_t revision = 0;
    // At most this many keys (0: no limit).
    int64_t limit = 0;
    bool keys_only = false;
    bool count_only = false;
    // Answer from the contacted member's state (may be stale) instead of a linearizable read.
    bool serializable = false;
};

struct GetResult {
    // The store's revision when the read was served.
    int64_t revision = 0;
    std::vector<KeyValue> kvs;
    bool more = false;
    int64_t count = 0;
};

struct PutOptions {
    int64_t lease = 0;
    bool prev_kv = false;
};

struct PutResult {
    // The revision of this write.
    int64_t revision = 0;
    std::optional<KeyValue> prev_kv;
};

struct DeleteOptions {
    bool prefix = false;
    std::string range_end;
    bool prev_kv = false;
};

struct DeleteResult {
    int64_t revision = 0;
    int64_t deleted = 0;
    std::vector<KeyValue> prev_kvs;
};

struct LeaseGrantResult {
    int64_t id = 0;
    int64_t ttl_s = 0;
};

struct LeaseTimeToLiveResult {
    int64_t id = 0;
    // Remaining seconds; -1 when the lease does not exist (expired or revoked).
    int64_t ttl_s = -1;
    int64_t granted_ttl_s = 0;
    std::vector<std::string> keys;
};

struct LockResult {
    // The lock's key (pass it to Unlock). It lives as long as the lease.
    std::string key;
    // The lock key's create revision: increases with every holder, so a storage service can
    // reject a write that carries an older token than one it has seen (a fencing token).
    int64_t fencing_token = 0;
};

struct Member {
    uint64_t id = 0;
    std::string name;
    std::vector<std::string> peer_urls;
    std::vector<std::string> client_urls;
    bool is_learner = false;
};

struct EndpointStatus {
    std::string endpoint;
    uint64_t member_id = 0;
    uint64_t leader = 0;
    std::string version;
    int64_t db_size = 0;
    uint64_t raft_term = 0;
    uint64_t raft_index = 0;
    uint64_t raft_applied_index = 0;
    int64_t revision = 0;
    std::vector<std::string> errors;
};

// Counters of one Client, for tests and diagnostics.
struct ClientStats {
    uint64_t calls = 0;
    // Every RPC sent, first attempts and retries alike.
    uint64_t attempts = 0;
    uint64_t retries = 0;
    uint64_t sessions_opened = 0;
};

}  // namespace keel::client
