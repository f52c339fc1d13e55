#include "server/election_service.h"

#include "kv/key_range.h"
#include "server/lock_service.h"

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;
namespace epb = ::v3electionpb;

// etcd's concurrency errors, which its election server returns as they are (gRPC Unknown).
grpc::Status NotLeaderError() {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "election: not leader");
}

grpc::Status NoLeaderError() {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "election: no leader");
}

grpc::Status MissingLeaderKeyError() {
    return grpc::Status(grpc::StatusCode::UNKNOWN, "\"leader\" field must be provided");
}

}  // namespace

grpc::Status ElectionService::Campaign(grpc::ServerContext* context,
                                       const epb::CampaignRequest* request,
                                       epb::CampaignResponse* response) {
    const std::string prefix = request->name() + "/";
    const std::string key = CandidateKey(prefix, request->lease());
    mvccpb::KeyValue own;
    int64_t first = 0;
    pb::ResponseHeader header;
    grpc::Status status = CreateCandidate(
        kv_, prefix, key, request->value(), request->lease(), &own, &first, &header);
    if (!status.ok()) {
        return status;
    }
    epb::LeaderKey leader;
    leader.set_name(request->name());
    leader.set_key(key);
    leader.set_rev(own.create_revision());
    leader.set_lease(request->lease());
    if (own.value() != request->value()) {
        // Campaigning again with the same lease and a new value (etcd proclaims it).
        status = ProclaimValue(leader, request->value(), &header);
        if (!status.ok()) {
            return status;
        }
    }
    if (first != own.create_revision()) {
        status = waiter_.WaitDeletes(*context, prefix, own.create_revision() - 1, &header);
        if (!status.ok()) {
            pb::DeleteRangeRequest del;
            del.set_key(key);
            pb::DeleteRangeResponse ignored;
            (void)kv_.DeleteRange(del, &ignored);
            return status;
        }
    }
    *response->mutable_header() = header;
    *response->mutable_leader() = leader;
    return grpc::Status::OK;
}

grpc::Status ElectionService::ProclaimValue(const epb::LeaderKey& leader,
                                            const std::string& value,
                                            pb::ResponseHeader* header) {
    pb::TxnRequest txn;
    pb::Compare* held = txn.add_compare();
    held->set_key(leader.key());
    held->set_target(pb::Compare::CREATE);
    held->set_result(pb::Compare::EQUAL);
    held->set_create_revision(leader.rev());
    pb::PutRequest* put = txn.add_success()->mutable_request_put();
    put->set_key(leader.key());
    put->set_value(value);
    put->set_lease(leader.lease());
    pb::TxnResponse resp;
    const grpc::Status status = kv_.Txn(txn, &resp);
    if (!status.ok()) {
        return status;
    }
    if (!resp.succeeded()) {
        return NotLeaderError();
    }
    *header = resp.header();
    return grpc::Status::OK;
}

grpc::Status ElectionService::Proclaim(grpc::ServerContext* /*context*/,
                                       const epb::ProclaimRequest* request,
                                       epb::ProclaimResponse* response) {
    if (!request->has_leader()) {
        return MissingLeaderKeyError();
    }
    return ProclaimValue(request->leader(), request->value(), response->mutable_header());
}

grpc::Status ElectionService::ReadLeader(const std::string& name, pb::RangeResponse* found) {
    const std::string prefix = name + "/";
    pb::RangeRequest first;
    first.set_key(prefix);
    first.set_range_end(kv::PrefixEnd(prefix));
    first.set_sort_target(pb::RangeRequest::CREATE);
    first.set_sort_order(pb::RangeRequest::ASCEND);
    first.set_limit(1);
    return kv_.Range(first, found);
}

grpc::Status ElectionService::Leader(grpc::ServerContext* /*context*/,
                                     const epb::LeaderRequest* request,
                                     epb::LeaderResponse* response) {
    pb::RangeResponse found;
    const grpc::Status status = ReadLeader(request->name(), &found);
    if (!status.ok()) {
        return status;
    }
    if (found.kvs_size() == 0) {
        return NoLeaderError();
    }
    *response->mutable_header() = found.header();
    *response->mutable_kv() = found.kvs(0);
    return grpc::Status::OK;
}

grpc::Status ElectionService::Observe(grpc::ServerContext* context,
                                      const epb::LeaderRequest* request,
                                      grpc::ServerWriter<epb::LeaderResponse>* writer) {
    const std::string prefix = request->name() + "/";
    while (!context->IsCancelled()) {
        pb::RangeResponse found;
        grpc::Status status = ReadLeader(request->name(), &found);
        if (!status.ok()) {
            return status;
        }
        const Revision after(static_cast<uint64_t>(found.header().revision()) + 1);
        kv::Events events;
        if (found.kvs_size() == 0) {
            // No leader: wait for the first candidate to appear, then read again.
            status = waiter_.WaitEvents(*context,
                                        WatchSpec{.key = prefix,
                                                  .range_end = kv::PrefixEnd(prefix),
                                                  .start_revision = after,
                                                  .filter_delete = true},
                                        &events);
            if (!status.ok()) {
                return status;
            }
            continue;
        }
        epb::LeaderResponse response;
        *response.mutable_header() = found.header();
        *response.mutable_kv() = found.kvs(0);
        if (!writer->Write(response)) {
            return grpc::Status::OK;
        }
        // Follow this leader's key until it is deleted, reporting each new value.
        Revision next = after;
        for (bool leading = true; leading;) {
            status = waiter_.WaitEvents(
                *context, WatchSpec{.key = found.kvs(0).key(), .start_revision = next}, &events);
            if (!status.ok()) {
                return status;
            }
            if (events.empty()) {
                break;  // compacted: read the leader again
            }
            for (const kv::Event& event : events) {
                next = event.kv.mod_revision.Next();
                if (event.type == kv::EventType::kDelete) {
                    leading = false;
                    break;
                }
                response.mutable_header()->set_revision(
                    static_cast<int64_t>(event.kv.mod_revision.value()));
                response.mutable_kv()->set_value(event.kv.value);
                response.mutable_kv()->set_mod_revision(
                    static_cast<int64_t>(event.kv.mod_revision.value()));
                response.mutable_kv()->set_version(event.kv.version);
                if (!writer->Write(response)) {
                    return grpc::Status::OK;
                }
            }
        }
    }
    return grpc::Status(grpc::StatusCode::CANCELLED, "context canceled");
}

grpc::Status ElectionService::Resign(grpc::ServerContext* /*context*/,
                                     const epb::ResignRequest* request,
                                     epb::ResignResponse* response) {
    if (!request->has_leader()) {
        return MissingLeaderKeyError();
    }
    pb::TxnRequest txn;
    pb::Compare* held = txn.add_compare();
    held->set_key(request->leader().key());
    held->set_target(pb::Compare::CREATE);
    held->set_result(pb::Compare::EQUAL);
    held->set_create_revision(request->leader().rev());
    txn.add_success()->mutable_request_delete_range()->set_key(request->leader().key());
    pb::TxnResponse resp;
    const grpc::Status status = kv_.Txn(txn, &resp);
    if (!status.ok()) {
        return status;
    }
    *response->mutable_header() = resp.header();
    return grpc::Status::OK;
}

}  // namespace keel::server
