// The RocksDB byte layout of the MVCC store (docs/kv.md has the grammar).
//
// Everything lives in RocksDB's default column family, one keyspace per leading byte, so that
// one WriteBatch is atomic and no flush can ever persist half of an apply:
//   'm'                                  -> StoreMeta (applied index, revision, compaction)
//   'r' main:be64 sub:be64               -> VersionRecord (the history, revision-major)
//   'k' escaped(user_key) main:be64 sub:be64 -> VersionKind (the key index, key-major)
//   'l' lease:be64                       -> LeaseRecord
//   'a' lease:be64 user_key              -> "" (the keys attached to a lease)
//   'c'                                  -> the cluster record (opaque: the server's membership)
// escaped(k) is k with each 0x00 written as 0x00 0xff, followed by the terminator 0x00 0x01:
// it is order-preserving and prefix-free, so the key index sorts by (user key, revision).
//
// Decoders assert: the store reads only what it wrote, RocksDB checksums every block, and a
// record that fails to decode is a bug or undetected corruption that must stop the replica.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/ids.h"
#include "kv/key_value.h"
#include "kv/revision.h"

namespace keel::kv::encoding {

inline constexpr char kMetaKey[] = "m";
inline constexpr char kRevisionPrefix = 'r';
inline constexpr char kKeyIndexPrefix = 'k';
inline constexpr char kLeasePrefix = 'l';
inline constexpr char kLeaseKeyPrefix = 'a';
// The server's own records (MvccStore::ReadAux), e.g. client sessions.
inline constexpr char kAuxPrefix = 's';
inline constexpr char kClusterRecordKey[] = "c";

// The persistent facts of the store, rewritten by every apply batch.
struct StoreMeta {
    Index applied_index;
    Revision revision;
    Revision compacted_revision;
    // The last lease id the store chose itself (LeaseGrant with id 0).
    LeaseId last_auto_lease;

    friend bool operator==(const StoreMeta&, const StoreMeta&) = default;
};

std::string EncodeStoreMeta(const StoreMeta& meta);
StoreMeta DecodeStoreMeta(std::string_view bytes);

// ---- The history: 'r' keys. ----
std::string RevisionKey(FullRevision revision);
FullRevision DecodeRevisionKey(std::string_view key);
// The smallest key past every history record.
std::string RevisionKeyspaceEnd();

enum class VersionKind : uint8_t {
    kPut = 1,
    kTombstone = 2,
};

// One version of one key. For a tombstone only kv.key and kv.mod_revision are meaningful.
struct VersionRecord {
    VersionKind kind = VersionKind::kPut;
    KeyValue kv;
};

// Encodes everything but kv.mod_revision, which the record's RocksDB key carries.
std::string EncodeVersionRecord(const VersionRecord& record);
VersionRecord DecodeVersionRecord(std::string_view bytes, FullRevision revision);

// ---- The key index: 'k' keys. ----
std::string KeyIndexKey(std::string_view user_key, FullRevision revision);
// The common prefix of every index entry of `user_key`.
std::string KeyIndexPrefix(std::string_view user_key);
// A key past every index entry of `user_key` and before the next user key's entries.
std::string KeyIndexKeyEnd(std::string_view user_key);
// Bounds of the index entries of user keys in [begin, end); no end means to the last key.
std::string KeyIndexRangeStart(std::string_view begin);
std::string KeyIndexRangeEnd(const std::optional<std::string>& end);

struct IndexEntry {
    std::string user_key;
    FullRevision revision;
};

IndexEntry DecodeKeyIndexKey(std::string_view key);

// Allocation-free views of an index key, for scans: its per-key prefix (equal to
// KeyIndexPrefix(user_key)) and its revision. Two index keys belong to the same user key iff
// their prefixes are equal.
std::string_view KeyIndexKeyPrefix(std::string_view key);
FullRevision KeyIndexKeyRevision(std::string_view key);
// The user key of a per-key prefix.
std::string DecodeKeyIndexPrefix(std::string_view prefix);
// The index key of `revision` under a per-key prefix, and the key past all of them.
std::string KeyIndexKeyAt(std::string_view prefix, FullRevision revision);
std::string KeyIndexPrefixEnd(std::string_view prefix);
std::string EncodeVersionKind(VersionKind kind);
VersionKind DecodeVersionKind(std::string_view bytes);

// ---- Leases: 'l' and 'a' keys. ----
struct LeaseRecord {
    LeaseId id;
    int64_t granted_ttl = 0;
    std::optional<int64_t> remaining_ttl_hint;

    friend bool operator==(const LeaseRecord&, const LeaseRecord&) = default;
};

std::string LeaseKey(LeaseId id);
LeaseId DecodeLeaseKey(std::string_view key);
std::string LeaseKeyspaceStart();
std::string LeaseKeyspaceEnd();
std::string EncodeLeaseRecord(const LeaseRecord& record);
LeaseRecord DecodeLeaseRecord(std::string_view bytes, LeaseId id);

std::string LeaseAttachKey(LeaseId id, std::string_view user_key);
// The common prefix of the attach keys of lease `id`, and the key past them.
std::string LeaseAttachPrefix(LeaseId id);
std::string LeaseAttachPrefixEnd(LeaseId id);
// The user key of an attach key.
std::string_view DecodeLeaseAttachKey(std::string_view key);

}  // namespace keel::kv::encoding
