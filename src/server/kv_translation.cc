#include "server/kv_translation.h"

#include <absl/strings/str_cat.h>

#include "base/status.h"
#include "kv/errors.h"
#include "kv/limits.h"

namespace keel::server {
namespace {

// etcd reads revisions <= 0 as "current" (or "no bound" for the filters).
Revision RevisionOrNone(int64_t revision) {
    return revision > 0 ? Revision(static_cast<uint64_t>(revision)) : Revision::None();
}

absl::Status BadEnum(const char* field, int value) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcdserver: unknown ", field, " value ", value));
}

absl::StatusOr<kv::SortOrder> SortOrderFromProto(pb::RangeRequest::SortOrder order) {
    switch (order) {
        case pb::RangeRequest::NONE:
            return kv::SortOrder::kNone;
        case pb::RangeRequest::ASCEND:
            return kv::SortOrder::kAscend;
        case pb::RangeRequest::DESCEND:
            return kv::SortOrder::kDescend;
        default:
            return BadEnum("sort_order", order);
    }
}

absl::StatusOr<kv::SortTarget> SortTargetFromProto(pb::RangeRequest::SortTarget target) {
    switch (target) {
        case pb::RangeRequest::KEY:
            return kv::SortTarget::kKey;
        case pb::RangeRequest::VERSION:
            return kv::SortTarget::kVersion;
        case pb::RangeRequest::CREATE:
            return kv::SortTarget::kCreate;
        case pb::RangeRequest::MOD:
            return kv::SortTarget::kMod;
        case pb::RangeRequest::VALUE:
            return kv::SortTarget::kValue;
        default:
            return BadEnum("sort_target", target);
    }
}

absl::StatusOr<kv::CompareResult> CompareResultFromProto(pb::Compare::CompareResult result) {
    switch (result) {
        case pb::Compare::EQUAL:
            return kv::CompareResult::kEqual;
        case pb::Compare::GREATER:
            return kv::CompareResult::kGreater;
        case pb::Compare::LESS:
            return kv::CompareResult::kLess;
        case pb::Compare::NOT_EQUAL:
            return kv::CompareResult::kNotEqual;
        default:
            return BadEnum("compare result", result);
    }
}

absl::StatusOr<kv::CompareTarget> CompareTargetFromProto(pb::Compare::CompareTarget target) {
    switch (target) {
        case pb::Compare::VERSION:
            return kv::CompareTarget::kVersion;
        case pb::Compare::CREATE:
            return kv::CompareTarget::kCreate;
        case pb::Compare::MOD:
            return kv::CompareTarget::kMod;
        case pb::Compare::VALUE:
            return kv::CompareTarget::kValue;
        case pb::Compare::LEASE:
            return kv::CompareTarget::kLease;
        default:
            return BadEnum("compare target", target);
    }
}

absl::StatusOr<kv::Compare> CompareFromProto(const pb::Compare& compare) {
    if (compare.key().empty()) {
        return kv::EmptyKeyError();
    }
    kv::Compare out{.key = compare.key(), .range_end = compare.range_end()};
    KEEL_ASSIGN_OR_RETURN(out.result, CompareResultFromProto(compare.result()));
    KEEL_ASSIGN_OR_RETURN(out.target, CompareTargetFromProto(compare.target()));
    // Only the operand the target names is read (etcd's target_union); the others stay 0.
    out.version = compare.version();
    out.create_revision = compare.create_revision();
    out.mod_revision = compare.mod_revision();
    out.value = compare.value();
    out.lease = compare.lease();
    return out;
}

absl::StatusOr<kv::TxnRequest> TxnFromProto(const pb::TxnRequest& request, size_t depth);

absl::StatusOr<kv::RequestOp> RequestOpFromProto(const pb::RequestOp& op, size_t depth) {
    switch (op.request_case()) {
        case pb::RequestOp::kRequestRange: {
            KEEL_ASSIGN_OR_RETURN(kv::RangeRequest range, FromProto(op.request_range()));
            return kv::RequestOp{std::move(range)};
        }
        case pb::RequestOp::kRequestPut: {
            KEEL_ASSIGN_OR_RETURN(kv::PutRequest put, FromProto(op.request_put()));
            return kv::RequestOp{std::move(put)};
        }
        case pb::RequestOp::kRequestDeleteRange: {
            KEEL_ASSIGN_OR_RETURN(kv::DeleteRangeRequest del, FromProto(op.request_delete_range()));
            return kv::RequestOp{std::move(del)};
        }
        case pb::RequestOp::kRequestTxn: {
            KEEL_ASSIGN_OR_RETURN(kv::TxnRequest txn, TxnFromProto(op.request_txn(), depth + 1));
            return kv::RequestOp{std::move(txn)};
        }
        case pb::RequestOp::REQUEST_NOT_SET:
            break;
    }
    return absl::InvalidArgumentError("etcdserver: txn operation has no request");
}

absl::StatusOr<kv::TxnRequest> TxnFromProto(const pb::TxnRequest& request, size_t depth) {
    if (depth > kv::kTxnDepthMax) {
        return absl::InvalidArgumentError(
            absl::StrCat("etcdserver: txn nested deeper than ", kv::kTxnDepthMax));
    }
    kv::TxnRequest out;
    out.compare.reserve(request.compare_size());
    for (const pb::Compare& compare : request.compare()) {
        KEEL_ASSIGN_OR_RETURN(kv::Compare c, CompareFromProto(compare));
        out.compare.push_back(std::move(c));
    }
    for (const pb::RequestOp& op : request.success()) {
        KEEL_ASSIGN_OR_RETURN(kv::RequestOp o, RequestOpFromProto(op, depth));
        out.success.push_back(std::move(o));
    }
    for (const pb::RequestOp& op : request.failure()) {
        KEEL_ASSIGN_OR_RETURN(kv::RequestOp o, RequestOpFromProto(op, depth));
        out.failure.push_back(std::move(o));
    }
    return out;
}

void ResponseOpToProto(const kv::ResponseOp& op, pb::ResponseOp* out) {
    std::visit(
        [out](const auto& response) {
            using T = std::decay_t<decltype(response)>;
            if constexpr (std::is_same_v<T, kv::RangeResponse>) {
                ToProto(response, out->mutable_response_range());
            } else if constexpr (std::is_same_v<T, kv::PutResponse>) {
                ToProto(response, out->mutable_response_put());
            } else if constexpr (std::is_same_v<T, kv::DeleteRangeResponse>) {
                ToProto(response, out->mutable_response_delete_range());
            } else {
                static_assert(std::is_same_v<T, kv::TxnResponse>);
                ToProto(response, out->mutable_response_txn());
            }
        },
        op.response);
}

}  // namespace

absl::StatusOr<kv::RangeRequest> FromProto(const pb::RangeRequest& request) {
    if (request.key().empty()) {
        return kv::EmptyKeyError();
    }
    kv::RangeRequest out{
        .key = request.key(),
        .range_end = request.range_end(),
        .limit = request.limit(),
        .revision = RevisionOrNone(request.revision()),
        .serializable = request.serializable(),
        .keys_only = request.keys_only(),
        .count_only = request.count_only(),
        .min_mod_revision = RevisionOrNone(request.min_mod_revision()),
        .max_mod_revision = RevisionOrNone(request.max_mod_revision()),
        .min_create_revision = RevisionOrNone(request.min_create_revision()),
        .max_create_revision = RevisionOrNone(request.max_create_revision()),
    };
    KEEL_ASSIGN_OR_RETURN(out.sort_order, SortOrderFromProto(request.sort_order()));
    KEEL_ASSIGN_OR_RETURN(out.sort_target, SortTargetFromProto(request.sort_target()));
    return out;
}

absl::StatusOr<kv::PutRequest> FromProto(const pb::PutRequest& request) {
    if (request.key().empty()) {
        return kv::EmptyKeyError();
    }
    return kv::PutRequest{
        .key = request.key(),
        .value = request.value(),
        .lease = LeaseId(static_cast<uint64_t>(request.lease())),
        .prev_kv = request.prev_kv(),
        .ignore_value = request.ignore_value(),
        .ignore_lease = request.ignore_lease(),
    };
}

absl::StatusOr<kv::DeleteRangeRequest> FromProto(const pb::DeleteRangeRequest& request) {
    if (request.key().empty()) {
        return kv::EmptyKeyError();
    }
    return kv::DeleteRangeRequest{
        .key = request.key(),
        .range_end = request.range_end(),
        .prev_kv = request.prev_kv(),
    };
}

absl::StatusOr<kv::TxnRequest> FromProto(const pb::TxnRequest& request) {
    return TxnFromProto(request, 1);
}

absl::StatusOr<kv::CompactionRequest> FromProto(const pb::CompactionRequest& request) {
    // A revision <= 0 is at or below any compacted revision: the store answers "compacted",
    // as etcd does.
    return kv::CompactionRequest{.revision = RevisionOrNone(request.revision()),
                                 .physical = request.physical()};
}

absl::StatusOr<kv::LeaseGrantRequest> FromProto(const pb::LeaseGrantRequest& request) {
    return kv::LeaseGrantRequest{.ttl = request.ttl(),
                                 .id = LeaseId(static_cast<uint64_t>(request.id()))};
}

absl::StatusOr<kv::LeaseRevokeRequest> FromProto(const pb::LeaseRevokeRequest& request) {
    return kv::LeaseRevokeRequest{.id = LeaseId(static_cast<uint64_t>(request.id()))};
}

void ToProto(const kv::KeyValue& kv, mvccpb::KeyValue* out) {
    out->set_key(kv.key);
    out->set_create_revision(static_cast<int64_t>(kv.create_revision.value()));
    out->set_mod_revision(static_cast<int64_t>(kv.mod_revision.value()));
    out->set_version(kv.version);
    out->set_value(kv.value);
    out->set_lease(static_cast<int64_t>(kv.lease.value()));
}

void ToProto(const kv::RangeResponse& response, pb::RangeResponse* out) {
    out->mutable_header()->set_revision(static_cast<int64_t>(response.header.revision.value()));
    out->mutable_kvs()->Reserve(static_cast<int>(response.kvs.size()));
    for (const kv::KeyValue& kv : response.kvs) {
        ToProto(kv, out->add_kvs());
    }
    out->set_more(response.more);
    out->set_count(response.count);
}

void ToProto(const kv::PutResponse& response, pb::PutResponse* out) {
    out->mutable_header()->set_revision(static_cast<int64_t>(response.header.revision.value()));
    if (response.prev_kv.has_value()) {
        ToProto(*response.prev_kv, out->mutable_prev_kv());
    }
}

void ToProto(const kv::DeleteRangeResponse& response, pb::DeleteRangeResponse* out) {
    out->mutable_header()->set_revision(static_cast<int64_t>(response.header.revision.value()));
    out->set_deleted(response.deleted);
    for (const kv::KeyValue& kv : response.prev_kvs) {
        ToProto(kv, out->add_prev_kvs());
    }
}

void ToProto(const kv::TxnResponse& response, pb::TxnResponse* out) {
    out->mutable_header()->set_revision(static_cast<int64_t>(response.header.revision.value()));
    out->set_succeeded(response.succeeded);
    for (const kv::ResponseOp& op : response.responses) {
        ResponseOpToProto(op, out->add_responses());
    }
}

void ToProto(const kv::CompactionResponse& response, pb::CompactionResponse* out) {
    out->mutable_header()->set_revision(static_cast<int64_t>(response.header.revision.value()));
}

}  // namespace keel::server
