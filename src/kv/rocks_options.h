// The RocksDB options the MVCC store opens its database with.
#pragma once

#include <rocksdb/options.h>

namespace keel::kv {

// What MvccStore::Open hands RocksDB, apart from the shutdown mode:
//   - create the database if missing;
//   - memtable insert hints for the keyspaces the store only appends to (the history 'r',
//     keyed by ascending revision, and the single meta key 'm', rewritten by every apply):
//     RocksDB keeps the last insert position per such keyspace, so those inserts skip the
//     skiplist search. The user-key index 'k', the leases and the server records are written
//     in key order of the users' choosing and get no hint.
// None of this changes what is stored, only the CPU it costs.
rocksdb::Options StoreRocksOptions();

}  // namespace keel::kv
