#include "client/kv_conversion.h"

namespace keel::client {

namespace pb = ::etcdserverpb;

KeyValue FromProto(const mvccpb::KeyValue& kv) {
    return KeyValue{.key = kv.key(),
                    .value = kv.value(),
                    .create_revision = kv.create_revision(),
                    .mod_revision = kv.mod_revision(),
                    .version = kv.version(),
                    .lease = kv.lease()};
}

GetResult FromProto(const pb::RangeResponse& response) {
    GetResult result{.revision = response.header().revision(),
                     .more = response.more(),
                     .count = response.count()};
    for (const mvccpb::KeyValue& kv : response.kvs()) {
        result.kvs.push_back(FromProto(kv));
    }
    return result;
}

PutResult FromProto(const pb::PutResponse& response) {
    PutResult result{.revision = response.header().revision()};
    if (response.has_prev_kv()) {
        result.prev_kv = FromProto(response.prev_kv());
    }
    return result;
}

DeleteResult FromProto(const pb::DeleteRangeResponse& response) {
    DeleteResult result{.revision = response.header().revision(), .deleted = response.deleted()};
    for (const mvccpb::KeyValue& kv : response.prev_kvs()) {
        result.prev_kvs.push_back(FromProto(kv));
    }
    return result;
}

TxnResult FromProto(const pb::TxnResponse& response) {
    TxnResult result{.revision = response.header().revision(), .succeeded = response.succeeded()};
    for (const pb::ResponseOp& op : response.responses()) {
        switch (op.response_case()) {
            case pb::ResponseOp::kResponseRange:
                result.results.emplace_back(FromProto(op.response_range()));
                break;
            case pb::ResponseOp::kResponsePut:
                result.results.emplace_back(FromProto(op.response_put()));
                break;
            case pb::ResponseOp::kResponseDeleteRange:
                result.results.emplace_back(FromProto(op.response_delete_range()));
                break;
            default:
                // A nested txn (not built by Txn): reported as an empty read.
                result.results.emplace_back(GetResult{});
                break;
        }
    }
    return result;
}

std::string PrefixRangeEnd(const std::string& key) {
    std::string end = key;
    while (!end.empty()) {
        auto& last = reinterpret_cast<unsigned char&>(end.back());
        if (last < 0xff) {
            ++last;
            return end;
        }
        end.pop_back();
    }
    return std::string(1, '\0');
}

}  // namespace keel::client
