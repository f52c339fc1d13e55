// etcd responses -> the client's plain structs (keel/kv_types.h). Pure.
#pragma once

#include "etcd/etcdserverpb/rpc.pb.h"
#include "keel/kv_types.h"
#include "keel/txn.h"

namespace keel::client {

KeyValue FromProto(const mvccpb::KeyValue& kv);
GetResult FromProto(const etcdserverpb::RangeResponse& response);
PutResult FromProto(const etcdserverpb::PutResponse& response);
DeleteResult FromProto(const etcdserverpb::DeleteRangeResponse& response);
TxnResult FromProto(const etcdserverpb::TxnResponse& response);

// etcd's "all keys with this prefix" range end: the key with its last byte below 0xff
// incremented and the rest dropped; "\0" (every key) when every byte is 0xff.
std::string PrefixRangeEnd(const std::string& key);

}  // namespace keel::client
