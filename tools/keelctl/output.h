// Output: how keelctl prints each result, in etcdctl's three formats (-w simple|json|table).
// simple mirrors etcdctl's lines; json mirrors etcdctl's field names, with keys and values in
// base64 as etcdctl does; table is for people. Writes to stdout; not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "keel/client.h"

namespace keel::ctl {

// What `snapshot status` prints (etcdctl's fields; keelctl's snapshot_commands.cc fills it).
struct SnapshotStatusFields {
    uint32_t hash = 0;
    int64_t revision = 0;
    int64_t total_keys = 0;
    uint64_t total_size_bytes = 0;
};

enum class OutputFormat {
    kSimple,
    kJson,
    kTable
};

class Output {
public:
    explicit Output(OutputFormat format) : format_(format) {}

    void Put(const client::PutResult& result) const;
    void Get(const client::GetResult& result, bool keys_only) const;
    void Delete(const client::DeleteResult& result) const;
    void Txn(const client::TxnResult& result) const;
    void WatchEvents(const std::vector<client::WatchEvent>& events) const;
    void LeaseGrant(const client::LeaseGrantResult& result) const;
    void LeaseRevoke(int64_t id) const;
    void LeaseTimeToLive(const client::LeaseTimeToLiveResult& result) const;
    void LeaseKeepAlive(int64_t id, int64_t ttl_s) const;
    void Lock(const client::LockResult& result) const;
    void MemberList(const std::vector<client::Member>& members) const;
    void EndpointStatus(const std::vector<client::EndpointStatus>& statuses) const;
    void Session(const char* verb, uint64_t id) const;
    void SnapshotStatus(const SnapshotStatusFields& status) const;

private:
    OutputFormat format_;
};

// A lease id as etcdctl prints and reads it: lowercase hex.
std::string LeaseIdText(int64_t id);

}  // namespace keel::ctl
