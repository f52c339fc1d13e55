#include "keel/txn.h"

#include <utility>

#include "base/assert.h"
#include "client/kv_conversion.h"

namespace keel::client {
namespace {

namespace pb = ::etcdserverpb;

pb::Compare::CompareResult ToProto(CompareOp op) {
    switch (op) {
        case CompareOp::kEqual:
            return pb::Compare::EQUAL;
        case CompareOp::kNotEqual:
            return pb::Compare::NOT_EQUAL;
        case CompareOp::kLess:
            return pb::Compare::LESS;
        case CompareOp::kGreater:
            return pb::Compare::GREATER;
    }
    KEEL_UNREACHABLE();
}

}  // namespace

Compare::Compare(std::string key, CompareOp op) {
    proto_.set_key(std::move(key));
    proto_.set_result(ToProto(op));
}

Compare Compare::Value(std::string key, CompareOp op, std::string value) {
    Compare compare(std::move(key), op);
    compare.proto_.set_target(pb::Compare::VALUE);
    compare.proto_.set_value(std::move(value));
    return compare;
}

Compare Compare::Version(std::string key, CompareOp op, int64_t version) {
    Compare compare(std::move(key), op);
    compare.proto_.set_target(pb::Compare::VERSION);
    compare.proto_.set_version(version);
    return compare;
}

Compare Compare::CreateRevision(std::string key, CompareOp op, int64_t revision) {
    Compare compare(std::move(key), op);
    compare.proto_.set_target(pb::Compare::CREATE);
    compare.proto_.set_create_revision(revision);
    return compare;
}

Compare Compare::ModRevision(std::string key, CompareOp op, int64_t revision) {
    Compare compare(std::move(key), op);
    compare.proto_.set_target(pb::Compare::MOD);
    compare.proto_.set_mod_revision(revision);
    return compare;
}

Compare Compare::Lease(std::string key, CompareOp op, int64_t lease) {
    Compare compare(std::move(key), op);
    compare.proto_.set_target(pb::Compare::LEASE);
    compare.proto_.set_lease(lease);
    return compare;
}

Compare& Compare::WithRangeEnd(std::string range_end) {
    proto_.set_range_end(std::move(range_end));
    return *this;
}

Txn& Txn::If(Compare compare) {
    *request_.add_compare() = compare.proto();
    return *this;
}

Txn& Txn::ThenGet(std::string key, const GetOptions& options) {
    *request_.add_success()->mutable_request_range() = ToRangeRequest(std::move(key), options);
    return *this;
}

Txn& Txn::ThenPut(std::string key, std::string value, const PutOptions& options) {
    *request_.add_success()->mutable_request_put() =
        ToPutRequest(std::move(key), std::move(value), options);
    return *this;
}

Txn& Txn::ThenDelete(std::string key, const DeleteOptions& options) {
    *request_.add_success()->mutable_request_delete_range() =
        ToDeleteRequest(std::move(key), options);
    return *this;
}

Txn& Txn::ElseGet(std::string key, const GetOptions& options) {
    *request_.add_failure()->mutable_request_range() = ToRangeRequest(std::move(key), options);
    return *this;
}

Txn& Txn::ElsePut(std::string key, std::string value, const PutOptions& options) {
    *request_.add_failure()->mutable_request_put() =
        ToPutRequest(std::move(key), std::move(value), options);
    return *this;
}

Txn& Txn::ElseDelete(std::string key, const DeleteOptions& options) {
    *request_.add_failure()->mutable_request_delete_range() =
        ToDeleteRequest(std::move(key), options);
    return *this;
}

pb::RangeRequest ToRangeRequest(std::string key, const GetOptions& options) {
    pb::RangeRequest request;
    if (options.prefix && key.empty()) {
        // etcd's convention: the prefix "" is every key, ["\0", "\0").
        key = std::string(1, '\0');
        request.set_range_end(key);
    } else if (options.prefix) {
        request.set_range_end(PrefixRangeEnd(key));
    } else if (!options.range_end.empty()) {
        request.set_range_end(options.range_end);
    }
    request.set_key(std::move(key));
    request.set_revision(options.revision);
    request.set_limit(options.limit);
    request.set_keys_only(options.keys_only);
    request.set_count_only(options.count_only);
    request.set_serializable(options.serializable);
    return request;
}

pb::PutRequest ToPutRequest(std::string key, std::string value, const PutOptions& options) {
    pb::PutRequest request;
    request.set_key(std::move(key));
    request.set_value(std::move(value));
    request.set_lease(options.lease);
    request.set_prev_kv(options.prev_kv);
    return request;
}

pb::DeleteRangeRequest ToDeleteRequest(std::string key, const DeleteOptions& options) {
    pb::DeleteRangeRequest request;
    if (options.prefix && key.empty()) {
        key = std::string(1, '\0');
        request.set_range_end(key);
    } else if (options.prefix) {
        request.set_range_end(PrefixRangeEnd(key));
    } else if (!options.range_end.empty()) {
        request.set_range_end(options.range_end);
    }
    request.set_key(std::move(key));
    request.set_prev_kv(options.prev_kv);
    return request;
}

}  // namespace keel::client
