#include "server/lock_service.h"

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include "kv/key_range.h"
#include "kv/session_table.h"

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;

// Deletes `key`, best effort (a lock whose waiter gave up must not block others).
void DeleteKey(LocalKvClient& kv, const std::string& key) {
    pb::DeleteRangeRequest del;
    del.set_key(key);
    pb::DeleteRangeResponse ignored;
    (void)kv.DeleteRange(del, &ignored);
}

// The caller's client session metadata (docs/sessions.md), for the one write that is the
// call's mutating step; empty for a plain etcd call.
LocalKvClient::Metadata SessionMetadata(const grpc::ServerContext& context) {
    LocalKvClient::Metadata metadata;
    for (const char* name : {kv::kSessionIdHeader, kv::kSessionSeqHeader, kv::kSessionAckHeader}) {
        const auto it = context.client_metadata().find(name);
        if (it != context.client_metadata().end()) {
            metadata.emplace_back(name, std::string(it->second.data(), it->second.size()));
        }
    }
    return metadata;
}

// The session id in `metadata`, or "" when there is none.
std::string SessionIdOf(const LocalKvClient::Metadata& metadata) {
    for (const auto& [name, value] : metadata) {
        if (name == kv::kSessionIdHeader) {
            return value;
        }
    }
    return "";
}

}  // namespace

std::string CandidateKey(const std::string& prefix, int64_t lease) {
    return absl::StrFormat("%s%x", prefix, static_cast<uint64_t>(lease));
}

grpc::Status CreateCandidate(LocalKvClient& kv,
                             const std::string& prefix,
                             const std::string& key,
                             const std::string& value,
                             int64_t lease,
                             mvccpb::KeyValue* own,
                             int64_t* first_create_revision,
                             pb::ResponseHeader* header,
                             const LocalKvClient::Metadata& metadata) {
    pb::TxnRequest txn;
    pb::Compare* absent = txn.add_compare();
    absent->set_key(key);
    absent->set_target(pb::Compare::CREATE);
    absent->set_result(pb::Compare::EQUAL);
    absent->set_create_revision(0);
    pb::PutRequest* put = txn.add_success()->mutable_request_put();
    put->set_key(key);
    put->set_value(value);
    put->set_lease(lease);
    txn.add_failure()->mutable_request_range()->set_key(key);
    pb::RangeRequest first;
    first.set_key(prefix);
    first.set_range_end(kv::PrefixEnd(prefix));
    first.set_sort_target(pb::RangeRequest::CREATE);
    first.set_sort_order(pb::RangeRequest::ASCEND);
    first.set_limit(1);
    *txn.add_success()->mutable_request_range() = first;
    *txn.add_failure()->mutable_request_range() = first;
    pb::TxnResponse resp;
    const grpc::Status status = kv.Txn(txn, &resp, metadata);
    if (!status.ok()) {
        return status;
    }
    if (resp.succeeded()) {
        own->set_key(key);
        own->set_value(value);
        own->set_lease(lease);
        own->set_create_revision(resp.header().revision());
        own->set_mod_revision(resp.header().revision());
        own->set_version(1);
    } else {
        if (resp.responses(0).response_range().kvs_size() == 0) {
            return grpc::Status(grpc::StatusCode::UNAVAILABLE, "etcdserver: key vanished");
        }
        *own = resp.responses(0).response_range().kvs(0);
    }
    const pb::RangeResponse& oldest = resp.responses(1).response_range();
    *first_create_revision =
        oldest.kvs_size() > 0 ? oldest.kvs(0).create_revision() : own->create_revision();
    *header = resp.header();
    return grpc::Status::OK;
}

grpc::Status LockService::Lock(grpc::ServerContext* context,
                               const v3lockpb::LockRequest* request,
                               v3lockpb::LockResponse* response) {
    const std::string prefix = request->name() + "/";
    LocalKvClient::Metadata session = SessionMetadata(*context);
    const std::string session_id = SessionIdOf(session);
    // Without a lease, a session's candidate is named after the session (two sessions must not
    // share the key "<name>/0").
    const std::string key = request->lease() == 0 && !session_id.empty()
                                ? absl::StrCat(prefix, "session-", session_id)
                                : CandidateKey(prefix, request->lease());
    if (!session.empty()) {
        // The candidate's creation is the call's one mutating step: deduplicated by the
        // session, and held by it until it ends (server/session_locks.h).
        session.emplace_back(kv::kSessionLockHeader, "1");
    }
    mvccpb::KeyValue own;
    int64_t first = 0;
    pb::ResponseHeader header;
    grpc::Status status =
        CreateCandidate(kv_, prefix, key, "", request->lease(), &own, &first, &header, session);
    if (!status.ok()) {
        return status;
    }
    if (first != own.create_revision()) {
        status = waiter_.WaitDeletes(*context, prefix, own.create_revision() - 1, &header);
        if (!status.ok()) {
            DeleteKey(kv_, key);
            return status;
        }
    }
    // The lease may have expired while waiting: then the key is gone and so is the lock.
    pb::RangeRequest get;
    get.set_key(key);
    pb::RangeResponse got;
    status = kv_.Range(get, &got);
    if (!status.ok()) {
        return status;
    }
    if (got.kvs_size() == 0 || got.kvs(0).create_revision() != own.create_revision()) {
        return grpc::Status(grpc::StatusCode::UNKNOWN, "mutex: session is expired");
    }
    // etcd 3.4 answers with the header of the txn, or of the last read while waiting.
    *response->mutable_header() = header;
    response->set_key(key);
    return grpc::Status::OK;
}

grpc::Status LockService::Unlock(grpc::ServerContext* context,
                                 const v3lockpb::UnlockRequest* request,
                                 v3lockpb::UnlockResponse* response) {
    pb::DeleteRangeRequest del;
    del.set_key(request->key());
    pb::DeleteRangeResponse deleted;
    // In a session, a retransmitted Unlock is answered from the table: it never deletes a key
    // a later holder created meanwhile.
    const grpc::Status status = kv_.DeleteRange(del, &deleted, SessionMetadata(*context));
    if (!status.ok()) {
        return status;
    }
    *response->mutable_header() = deleted.header();
    return grpc::Status::OK;
}

}  // namespace keel::server
