#include "kv/txn.h"

#include <set>
#include <string>
#include <vector>

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/status.h"
#include "kv/errors.h"
#include "kv/key_range.h"
#include "kv/limits.h"

namespace keel::kv {
namespace {

// The keys a list of operations may write: puts, and deleted ranges.
struct WriteSet {
    std::set<std::string> puts;
    std::vector<KeyRange> deletes;
};

bool DeletesCover(const std::vector<KeyRange>& deletes, const std::string& key) {
    for (const KeyRange& range : deletes) {
        if (range.Contains(key)) {
            return true;
        }
    }
    return false;
}

// Adds `more` to `into`, failing if a put in one meets a put or a delete in the other.
absl::Status MergeChecked(WriteSet more, WriteSet* into) {
    for (const std::string& key : more.puts) {
        if (into->puts.contains(key) || DeletesCover(into->deletes, key)) {
            return DuplicateKeyError();
        }
    }
    for (const std::string& key : into->puts) {
        if (DeletesCover(more.deletes, key)) {
            return DuplicateKeyError();
        }
    }
    into->puts.merge(more.puts);
    for (KeyRange& range : more.deletes) {
        into->deletes.push_back(std::move(range));
    }
    return absl::OkStatus();
}

absl::StatusOr<WriteSet> CollectWrites(const std::vector<RequestOp>& ops,
                                       size_t ops_max,
                                       size_t depth);

absl::StatusOr<WriteSet> CollectTxnWrites(const TxnRequest& txn, size_t ops_max, size_t depth) {
    if (depth > kTxnDepthMax) {
        return absl::InvalidArgumentError(
            absl::StrFormat("keel: txn requests nested more than %d deep", kTxnDepthMax));
    }
    if (txn.compare.size() > ops_max || txn.success.size() > ops_max
        || txn.failure.size() > ops_max) {
        return TooManyOpsError();
    }
    for (const Compare& compare : txn.compare) {
        if (compare.key.empty()) {
            return EmptyKeyError();
        }
    }
    KEEL_ASSIGN_OR_RETURN(WriteSet writes, CollectWrites(txn.success, ops_max, depth));
    KEEL_ASSIGN_OR_RETURN(WriteSet failure, CollectWrites(txn.failure, ops_max, depth));
    // Only one branch runs: the union is unchecked.
    writes.puts.merge(failure.puts);
    for (KeyRange& range : failure.deletes) {
        writes.deletes.push_back(std::move(range));
    }
    return writes;
}

absl::StatusOr<WriteSet> CollectWrites(const std::vector<RequestOp>& ops,
                                       size_t ops_max,
                                       size_t depth) {
    WriteSet writes;
    for (const RequestOp& op : ops) {
        WriteSet more;
        if (const auto* range = std::get_if<RangeRequest>(&op.request)) {
            if (range->key.empty()) {
                return EmptyKeyError();
            }
            continue;
        }
        if (const auto* put = std::get_if<PutRequest>(&op.request)) {
            if (put->key.empty()) {
                return EmptyKeyError();
            }
            more.puts.insert(put->key);
        } else if (const auto* del = std::get_if<DeleteRangeRequest>(&op.request)) {
            if (del->key.empty()) {
                return EmptyKeyError();
            }
            more.deletes.push_back(KeyRange::FromRequest(del->key, del->range_end));
        } else {
            KEEL_ASSIGN_OR_RETURN(
                more, CollectTxnWrites(std::get<TxnRequest>(op.request), ops_max, depth + 1));
        }
        KEEL_RETURN_IF_ERROR(MergeChecked(std::move(more), &writes));
    }
    return writes;
}

template <typename T>
bool Holds(CompareResult result, const T& actual, const T& operand) {
    switch (result) {
        case CompareResult::kEqual:
            return actual == operand;
        case CompareResult::kNotEqual:
            return actual != operand;
        case CompareResult::kGreater:
            return actual > operand;
        case CompareResult::kLess:
            return actual < operand;
    }
    KEEL_UNREACHABLE();
}

int64_t AsSigned(uint64_t value) {
    // Revisions and lease ids above INT64_MAX cannot come from an etcd client; wrapping would
    // turn a comparison upside down, so treat reaching them as the bug it is.
    KEEL_ASSERT(value <= static_cast<uint64_t>(INT64_MAX));
    return static_cast<int64_t>(value);
}

absl::StatusOr<ResponseOp> ExecuteOp(WriteTxn& txn, const RequestOp& op) {
    if (const auto* range = std::get_if<RangeRequest>(&op.request)) {
        KEEL_ASSIGN_OR_RETURN(RangeResponse response, txn.Range(*range));
        return ResponseOp{std::move(response)};
    }
    if (const auto* put = std::get_if<PutRequest>(&op.request)) {
        KEEL_ASSIGN_OR_RETURN(PutResponse response, txn.Put(*put));
        return ResponseOp{std::move(response)};
    }
    if (const auto* del = std::get_if<DeleteRangeRequest>(&op.request)) {
        KEEL_ASSIGN_OR_RETURN(DeleteRangeResponse response, txn.DeleteRange(*del));
        return ResponseOp{std::move(response)};
    }
    KEEL_ASSIGN_OR_RETURN(TxnResponse response, ExecuteTxn(txn, std::get<TxnRequest>(op.request)));
    return ResponseOp{std::move(response)};
}

}  // namespace

absl::Status ValidateTxn(const TxnRequest& request, size_t ops_max) {
    return CollectTxnWrites(request, ops_max, 1).status();
}

bool IsReadOnly(const TxnRequest& request) {
    for (const auto* ops : {&request.success, &request.failure}) {
        for (const RequestOp& op : *ops) {
            if (std::holds_alternative<PutRequest>(op.request)
                || std::holds_alternative<DeleteRangeRequest>(op.request)) {
                return false;
            }
            const auto* nested = std::get_if<TxnRequest>(&op.request);
            if (nested != nullptr && !IsReadOnly(*nested)) {
                return false;
            }
        }
    }
    return true;
}

bool CompareHolds(const Compare& compare, const KeyValue& kv) {
    switch (compare.target) {
        case CompareTarget::kVersion:
            return Holds(compare.result, kv.version, compare.version);
        case CompareTarget::kCreate:
            return Holds(
                compare.result, AsSigned(kv.create_revision.value()), compare.create_revision);
        case CompareTarget::kMod:
            return Holds(compare.result, AsSigned(kv.mod_revision.value()), compare.mod_revision);
        case CompareTarget::kValue:
            return Holds(compare.result, kv.value, compare.value);
        case CompareTarget::kLease:
            return Holds(compare.result, AsSigned(kv.lease.value()), compare.lease);
    }
    KEEL_UNREACHABLE();
}

bool EvaluateCompare(const WriteTxn& txn, const Compare& compare) {
    const absl::StatusOr<RangeResponse> range =
        txn.Range(RangeRequest{.key = compare.key, .range_end = compare.range_end});
    // A range at the current revision fails only on an empty key, which validation rejects.
    KEEL_ASSERT_MSG(range.ok(), "kv: compare range failed: %s", range.status().ToString());
    if (range->kvs.empty()) {
        return compare.target != CompareTarget::kValue && CompareHolds(compare, KeyValue{});
    }
    for (const KeyValue& kv : range->kvs) {
        if (!CompareHolds(compare, kv)) {
            return false;
        }
    }
    return true;
}

absl::StatusOr<TxnResponse> ExecuteTxn(WriteTxn& txn, const TxnRequest& request) {
    TxnResponse response;
    response.succeeded = true;
    for (const Compare& compare : request.compare) {
        if (!EvaluateCompare(txn, compare)) {
            response.succeeded = false;
            break;
        }
    }
    const std::vector<RequestOp>& ops = response.succeeded ? request.success : request.failure;
    response.responses.reserve(ops.size());
    for (const RequestOp& op : ops) {
        KEEL_ASSIGN_OR_RETURN(ResponseOp result, ExecuteOp(txn, op));
        response.responses.push_back(std::move(result));
    }
    return response;
}

void SetTxnHeaders(Revision revision, TxnResponse* response) {
    response->header.revision = revision;
    for (ResponseOp& op : response->responses) {
        std::visit(
            [revision](auto& nested) {
                if constexpr (std::is_same_v<std::decay_t<decltype(nested)>, TxnResponse>) {
                    SetTxnHeaders(revision, &nested);
                } else {
                    nested.header.revision = revision;
                }
            },
            op.response);
    }
}

}  // namespace keel::kv
