// Txn: a builder for etcd's mini-transaction (If compares, Then ops, Else ops), committed
// with Client::Commit. Plain value type; not thread-safe (build it on one thread).
//
//   Txn txn;
//   txn.If(Compare::Value("k", CompareOp::kEqual, "v1"))
//       .ThenPut("k", "v2")
//       .ElseGet("k");
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "keel/kv_types.h"

namespace keel::client {

enum class CompareOp {
    kEqual,
    kNotEqual,
    kLess,
    kGreater
};

// One condition of a Txn, on one key (or a range with range_end).
class Compare {
public:
    static Compare Value(std::string key, CompareOp op, std::string value);
    static Compare Version(std::string key, CompareOp op, int64_t version);
    static Compare CreateRevision(std::string key, CompareOp op, int64_t revision);
    static Compare ModRevision(std::string key, CompareOp op, int64_t revision);
    static Compare Lease(std::string key, CompareOp op, int64_t lease);

    // Applies the condition to [key, range_end) instead of the key alone.
    Compare& WithRangeEnd(std::string range_end);

    const etcdserverpb::Compare& proto() const { return proto_; }

private:
    Compare(std::string key, CompareOp op);
    etcdserverpb::Compare proto_;
};

class Txn {
public:
    Txn& If(Compare compare);

    Txn& ThenGet(std::string key, const GetOptions& options = {});
    Txn& ThenPut(std::string key, std::string value, const PutOptions& options = {});
    Txn& ThenDelete(std::string key, const DeleteOptions& options = {});
    Txn& ElseGet(std::string key, const GetOptions& options = {});
    Txn& ElsePut(std::string key, std::string value, const PutOptions& options = {});
    Txn& ElseDelete(std::string key, const DeleteOptions& options = {});

    // The etcd request this builder describes.
    const etcdserverpb::TxnRequest& request() const { return request_; }

private:
    etcdserverpb::TxnRequest request_;
};

// One op's answer in a TxnResult, in the order of the branch that ran.
using TxnOpResult = std::variant<GetResult, PutResult, DeleteResult>;

struct TxnResult {
    int64_t revision = 0;
    // True when every compare held (the Then branch ran).
    bool succeeded = false;
    std::vector<TxnOpResult> results;
};

// The etcd requests for these options (shared by Client and Txn). `key` is taken as given.
etcdserverpb::RangeRequest ToRangeRequest(std::string key, const GetOptions& options);
etcdserverpb::PutRequest ToPutRequest(std::string key,
                                      std::string value,
                                      const PutOptions& options);
etcdserverpb::DeleteRangeRequest ToDeleteRequest(std::string key, const DeleteOptions& options);

}  // namespace keel::client
