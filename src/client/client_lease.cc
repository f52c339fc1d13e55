// Client's lease calls. Grants and revokes are writes under the client's semantics: within the
// session for exactly-once (a retransmitted grant gets the first grant's lease id, never a
// second lease), plain otherwise (a retried plain grant may create a second lease, which
// expires unused). Keep-alives are idempotent and always retried.
#include "client/client_impl.h"
#include "client/lease_keep_alive_impl.h"

namespace keel::client {

namespace pb = ::etcdserverpb;

absl::StatusOr<LeaseGrantResult> ClientImpl::LeaseGrant(int64_t ttl_s, int64_t id) {
    pb::LeaseGrantRequest request;
    request.set_ttl(ttl_s);
    request.set_id(id);
    pb::LeaseGrantResponse response;
    absl::Status status = Write("lease grant", [&](Endpoint& e, grpc::ClientContext& c) {
        response.Clear();
        return e.lease->LeaseGrant(&c, request, &response);
    });
    if (!status.ok()) {
        return status;
    }
    if (!response.error().empty()) {
        return absl::UnknownError(response.error());
    }
    return LeaseGrantResult{.id = response.id(), .ttl_s = response.ttl()};
}

absl::Status ClientImpl::LeaseRevoke(int64_t id) {
    pb::LeaseRevokeRequest request;
    request.set_id(id);
    pb::LeaseRevokeResponse response;
    return Write("lease revoke", [&](Endpoint& e, grpc::ClientContext& c) {
        return e.lease->LeaseRevoke(&c, request, &response);
    });
}

absl::StatusOr<LeaseTimeToLiveResult> ClientImpl::LeaseTimeToLive(int64_t id, bool keys) {
    pb::LeaseTimeToLiveRequest request;
    request.set_id(id);
    request.set_keys(keys);
    pb::LeaseTimeToLiveResponse response;
    const CallSpec spec{.name = "lease timetolive", .operation = OperationKind::kRead};
    absl::Status status = runner_.Run(spec, [&](Endpoint& e, grpc::ClientContext& c) {
        response.Clear();
        return e.lease->LeaseTimeToLive(&c, request, &response);
    });
    if (!status.ok()) {
        return status;
    }
    LeaseTimeToLiveResult result{
        .id = response.id(), .ttl_s = response.ttl(), .granted_ttl_s = response.grantedttl()};
    for (const std::string& key : response.keys()) {
        result.keys.push_back(key);
    }
    return result;
}

absl::StatusOr<int64_t> ClientImpl::LeaseKeepAliveOnce(int64_t id) {
    pb::LeaseKeepAliveRequest request;
    request.set_id(id);
    pb::LeaseKeepAliveResponse response;
    const CallSpec spec{.name = "lease keep-alive", .operation = OperationKind::kRead};
    absl::Status status = runner_.Run(spec, [&](Endpoint& e, grpc::ClientContext& c) {
        response.Clear();
        auto stream = e.lease->LeaseKeepAlive(&c);
        if (!stream->Write(request) || !stream->Read(&response)) {
            return stream->Finish();
        }
        // Half-close; the server then ends the stream.
        stream->WritesDone();
        pb::LeaseKeepAliveResponse extra;
        while (stream->Read(&extra)) {
        }
        return stream->Finish();
    });
    if (!status.ok()) {
        return status;
    }
    if (response.ttl() <= 0) {
        return absl::NotFoundError("etcdserver: requested lease not found");
    }
    return response.ttl();
}

std::unique_ptr<LeaseKeepAlive> ClientImpl::KeepAlive(int64_t id) {
    return std::make_unique<LeaseKeepAliveImpl>(&pool_, options_, id);
}

}  // namespace keel::client
