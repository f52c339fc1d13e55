// Client's KV calls: Get (a read, always retried), Put, Delete and Txn (writes, per the
// client's semantics).
#include "client/client_impl.h"
#include "client/kv_conversion.h"

namespace keel::client {

namespace pb = ::etcdserverpb;

absl::StatusOr<GetResult> ClientImpl::Get(const std::string& key, const GetOptions& options) {
    const pb::RangeRequest request = ToRangeRequest(key, options);
    pb::RangeResponse response;
    const CallSpec spec{.name = "get", .operation = OperationKind::kRead};
    absl::Status status = runner_.Run(spec, [&](Endpoint& e, grpc::ClientContext& c) {
        response.Clear();
        return e.kv->Range(&c, request, &response);
    });
    if (!status.ok()) {
        return status;
    }
    return FromProto(response);
}

absl::StatusOr<PutResult> ClientImpl::Put(const std::string& key,
                                          const std::string& value,
                                          const PutOptions& options) {
    const pb::PutRequest request = ToPutRequest(key, value, options);
    pb::PutResponse response;
    absl::Status status = Write("put", [&](Endpoint& e, grpc::ClientContext& c) {
        response.Clear();
        return e.kv->Put(&c, request, &response);
    });
    if (!status.ok()) {
        return status;
    }
    return FromProto(response);
}

absl::StatusOr<DeleteResult> ClientImpl::Delete(const std::string& key,
                                                const DeleteOptions& options) {
    const pb::DeleteRangeRequest request = ToDeleteRequest(key, options);
    pb::DeleteRangeResponse response;
    absl::Status status = Write("delete", [&](Endpoint& e, grpc::ClientContext& c) {
        response.Clear();
        return e.kv->DeleteRange(&c, request, &response);
    });
    if (!status.ok()) {
        return status;
    }
    return FromProto(response);
}

absl::StatusOr<TxnResult> ClientImpl::Commit(const Txn& txn) {
    pb::TxnResponse response;
    absl::Status status = Write("txn", [&](Endpoint& e, grpc::ClientContext& c) {
        response.Clear();
        return e.kv->Txn(&c, txn.request(), &response);
    });
    if (!status.ok()) {
        return status;
    }
    return FromProto(response);
}

}  // namespace keel::client
