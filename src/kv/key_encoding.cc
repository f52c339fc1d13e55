#include "kv/key_encoding.h"

#include "base/assert.h"

namespace keel::kv::encoding {
namespace {

constexpr uint8_t kStoreMetaFormat = 1;
constexpr uint8_t kLeaseRecordFormat = 1;
constexpr size_t kFixed64Bytes = 8;
constexpr char kEscapeByte = '\0';
constexpr char kEscapedNul = '\xff';
constexpr char kTerminator = '\x01';
// Sizes of the fixed parts of the records.
constexpr size_t kRevisionSuffixBytes = 2 * kFixed64Bytes;
constexpr size_t kRevisionKeyBytes = 1 + kRevisionSuffixBytes;
// Keyspace byte, terminator, revision.
constexpr size_t kIndexKeyBytesMin = 1 + 2 + kRevisionSuffixBytes;
constexpr size_t kStoreMetaBytes = 1 + 4 * kFixed64Bytes;
constexpr size_t kVersionRecordHeaderBytes = 1 + 3 * kFixed64Bytes + 4;
constexpr size_t kLeaseRecordBytes = 1 + kFixed64Bytes + 1 + kFixed64Bytes;

void PutFixed64(std::string* out, uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) {
        out->push_back(static_cast<char>((value >> shift) & 0xff));
    }
}

void PutFixed32(std::string* out, uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out->push_back(static_cast<char>((value >> shift) & 0xff));
    }
}

uint64_t GetFixed(std::string_view bytes, size_t width) {
    KEEL_ASSERT(bytes.size() >= width);
    uint64_t value = 0;
    for (size_t i = 0; i < width; ++i) {
        value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    }
    return value;
}

// Reads big-endian integers from the front of a byte string, asserting it is long enough.
class Reader {
public:
    explicit Reader(std::string_view bytes) : rest_(bytes) {}

    uint64_t Fixed64() { return Take(kFixed64Bytes); }

    uint32_t Fixed32() { return static_cast<uint32_t>(Take(4)); }

    uint8_t Byte() { return static_cast<uint8_t>(Take(1)); }

    std::string_view Bytes(size_t n) {
        KEEL_ASSERT_MSG(
            rest_.size() >= n, "kv: record truncated: need %d, have %d", n, rest_.size());
        std::string_view out = rest_.substr(0, n);
        rest_.remove_prefix(n);
        return out;
    }

    std::string_view rest() const { return rest_; }

private:
    uint64_t Take(size_t width) {
        KEEL_ASSERT_MSG(
            rest_.size() >= width, "kv: record truncated: need %d, have %d", width, rest_.size());
        const uint64_t value = GetFixed(rest_, width);
        rest_.remove_prefix(width);
        return value;
    }

    std::string_view rest_;
};

void AppendEscaped(std::string* out, std::string_view user_key) {
    for (char c : user_key) {
        out->push_back(c);
        if (c == kEscapeByte) {
            out->push_back(kEscapedNul);
        }
    }
}

}  // namespace

std::string EncodeStoreMeta(const StoreMeta& meta) {
    std::string out;
    out.push_back(static_cast<char>(kStoreMetaFormat));
    PutFixed64(&out, meta.applied_index.value());
    PutFixed64(&out, meta.revision.value());
    PutFixed64(&out, meta.compacted_revision.value());
    PutFixed64(&out, meta.last_auto_lease.value());
    KEEL_DASSERT(DecodeStoreMeta(out) == meta);
    return out;
}

StoreMeta DecodeStoreMeta(std::string_view bytes) {
    KEEL_ASSERT_MSG(bytes.size() == kStoreMetaBytes, "kv: store meta has %d bytes", bytes.size());
    Reader reader(bytes);
    const uint8_t format = reader.Byte();
    KEEL_ASSERT_MSG(format == kStoreMetaFormat, "kv: unknown store meta format %d", format);
    StoreMeta meta;
    meta.applied_index = Index(reader.Fixed64());
    meta.revision = Revision(reader.Fixed64());
    meta.compacted_revision = Revision(reader.Fixed64());
    meta.last_auto_lease = LeaseId(reader.Fixed64());
    KEEL_ASSERT(meta.compacted_revision <= meta.revision);
    return meta;
}

std::string RevisionKey(FullRevision revision) {
    std::string out(1, kRevisionPrefix);
    PutFixed64(&out, revision.main.value());
    PutFixed64(&out, revision.sub);
    return out;
}

FullRevision DecodeRevisionKey(std::string_view key) {
    KEEL_ASSERT_MSG(key.size() == kRevisionKeyBytes, "kv: revision key has %d bytes", key.size());
    KEEL_ASSERT(key[0] == kRevisionPrefix);
    Reader reader(key.substr(1));
    FullRevision revision;
    revision.main = Revision(reader.Fixed64());
    revision.sub = reader.Fixed64();
    return revision;
}

std::string RevisionKeyspaceEnd() {
    return std::string(1, kRevisionPrefix + 1);
}

std::string EncodeVersionRecord(const VersionRecord& record) {
    const KeyValue& kv = record.kv;
    KEEL_ASSERT(kv.key.size() <= UINT32_MAX);
    std::string out;
    out.reserve(kVersionRecordHeaderBytes + kv.key.size() + kv.value.size());
    out.push_back(static_cast<char>(record.kind));
    PutFixed64(&out, kv.create_revision.value());
    PutFixed64(&out, static_cast<uint64_t>(kv.version));
    PutFixed64(&out, kv.lease.value());
    PutFixed32(&out, static_cast<uint32_t>(kv.key.size()));
    out.append(kv.key);
    out.append(kv.value);
    return out;
}

VersionRecord DecodeVersionRecord(std::string_view bytes, FullRevision revision) {
    Reader reader(bytes);
    VersionRecord record;
    const uint8_t kind = reader.Byte();
    KEEL_ASSERT_MSG(kind == static_cast<uint8_t>(VersionKind::kPut)
                        || kind == static_cast<uint8_t>(VersionKind::kTombstone),
                    "kv: unknown version kind %d",
                    kind);
    record.kind = static_cast<VersionKind>(kind);
    record.kv.create_revision = Revision(reader.Fixed64());
    record.kv.version = static_cast<int64_t>(reader.Fixed64());
    record.kv.lease = LeaseId(reader.Fixed64());
    const uint32_t key_size = reader.Fixed32();
    record.kv.key = std::string(reader.Bytes(key_size));
    record.kv.value = std::string(reader.rest());
    record.kv.mod_revision = revision.main;
    return record;
}

std::string KeyIndexPrefix(std::string_view user_key) {
    std::string out(1, kKeyIndexPrefix);
    AppendEscaped(&out, user_key);
    out.push_back(kEscapeByte);
    out.push_back(kTerminator);
    return out;
}

std::string KeyIndexKey(std::string_view user_key, FullRevision revision) {
    return KeyIndexKeyAt(KeyIndexPrefix(user_key), revision);
}

std::string KeyIndexKeyEnd(std::string_view user_key) {
    return KeyIndexPrefixEnd(KeyIndexPrefix(user_key));
}

std::string KeyIndexKeyAt(std::string_view prefix, FullRevision revision) {
    std::string out(prefix);
    PutFixed64(&out, revision.main.value());
    PutFixed64(&out, revision.sub);
    return out;
}

std::string KeyIndexPrefixEnd(std::string_view prefix) {
    // One byte longer than the largest possible entry of this key, all 0xff: greater than
    // every entry of the key, and smaller than any other key's prefix because escaped keys
    // are prefix-free.
    std::string out(prefix);
    out.append(kRevisionSuffixBytes + 1, '\xff');
    return out;
}

std::string_view KeyIndexKeyPrefix(std::string_view key) {
    KEEL_ASSERT_MSG(key.size() >= kIndexKeyBytesMin, "kv: index key has %d bytes", key.size());
    return key.substr(0, key.size() - kRevisionSuffixBytes);
}

FullRevision KeyIndexKeyRevision(std::string_view key) {
    KEEL_ASSERT_MSG(key.size() >= kIndexKeyBytesMin, "kv: index key has %d bytes", key.size());
    Reader reader(key.substr(key.size() - kRevisionSuffixBytes));
    FullRevision revision;
    revision.main = Revision(reader.Fixed64());
    revision.sub = reader.Fixed64();
    return revision;
}

std::string KeyIndexRangeStart(std::string_view begin) {
    std::string out(1, kKeyIndexPrefix);
    AppendEscaped(&out, begin);
    return out;
}

std::string KeyIndexRangeEnd(const std::optional<std::string>& end) {
    if (!end.has_value()) {
        return std::string(1, kKeyIndexPrefix + 1);
    }
    // Without the terminator: every key below *end encodes below this, *end itself above.
    return KeyIndexRangeStart(*end);
}

std::string DecodeKeyIndexPrefix(std::string_view prefix) {
    KEEL_ASSERT(prefix.size() >= 3);
    KEEL_ASSERT(prefix[0] == kKeyIndexPrefix);
    KEEL_ASSERT(prefix[prefix.size() - 2] == kEscapeByte);
    KEEL_ASSERT(prefix[prefix.size() - 1] == kTerminator);
    const std::string_view escaped = prefix.substr(1, prefix.size() - 3);
    std::string user_key;
    user_key.reserve(escaped.size());
    for (size_t i = 0; i < escaped.size(); ++i) {
        user_key.push_back(escaped[i]);
        if (escaped[i] == kEscapeByte) {
            KEEL_ASSERT_MSG(i + 1 < escaped.size() && escaped[i + 1] == kEscapedNul,
                            "kv: malformed escape in index key");
            ++i;
        }
    }
    return user_key;
}

IndexEntry DecodeKeyIndexKey(std::string_view key) {
    return IndexEntry{.user_key = DecodeKeyIndexPrefix(KeyIndexKeyPrefix(key)),
                      .revision = KeyIndexKeyRevision(key)};
}

std::string EncodeVersionKind(VersionKind kind) {
    return std::string(1, static_cast<char>(kind));
}

VersionKind DecodeVersionKind(std::string_view bytes) {
    KEEL_ASSERT(bytes.size() == 1);
    const auto kind = static_cast<uint8_t>(bytes[0]);
    KEEL_ASSERT_MSG(kind == static_cast<uint8_t>(VersionKind::kPut)
                        || kind == static_cast<uint8_t>(VersionKind::kTombstone),
                    "kv: unknown version kind %d",
                    kind);
    return static_cast<VersionKind>(kind);
}

std::string LeaseKey(LeaseId id) {
    std::string out(1, kLeasePrefix);
    PutFixed64(&out, id.value());
    return out;
}

LeaseId DecodeLeaseKey(std::string_view key) {
    KEEL_ASSERT(key.size() == 1 + kFixed64Bytes);
    KEEL_ASSERT(key[0] == kLeasePrefix);
    return LeaseId(GetFixed(key.substr(1), kFixed64Bytes));
}

std::string LeaseKeyspaceStart() {
    return std::string(1, kLeasePrefix);
}

std::string LeaseKeyspaceEnd() {
    return std::string(1, kLeasePrefix + 1);
}

std::string EncodeLeaseRecord(const LeaseRecord& record) {
    std::string out;
    out.push_back(static_cast<char>(kLeaseRecordFormat));
    PutFixed64(&out, static_cast<uint64_t>(record.granted_ttl));
    out.push_back(record.remaining_ttl_hint.has_value() ? 1 : 0);
    PutFixed64(&out, static_cast<uint64_t>(record.remaining_ttl_hint.value_or(0)));
    return out;
}

LeaseRecord DecodeLeaseRecord(std::string_view bytes, LeaseId id) {
    KEEL_ASSERT_MSG(
        bytes.size() == kLeaseRecordBytes, "kv: lease record has %d bytes", bytes.size());
    Reader reader(bytes);
    const uint8_t format = reader.Byte();
    KEEL_ASSERT_MSG(format == kLeaseRecordFormat, "kv: unknown lease record format %d", format);
    LeaseRecord record{.id = id};
    record.granted_ttl = static_cast<int64_t>(reader.Fixed64());
    const uint8_t has_hint = reader.Byte();
    KEEL_ASSERT(has_hint <= 1);
    const auto hint = static_cast<int64_t>(reader.Fixed64());
    if (has_hint == 1) {
        record.remaining_ttl_hint = hint;
    }
    return record;
}

std::string LeaseAttachPrefix(LeaseId id) {
    std::string out(1, kLeaseKeyPrefix);
    PutFixed64(&out, id.value());
    return out;
}

std::string LeaseAttachKey(LeaseId id, std::string_view user_key) {
    std::string out = LeaseAttachPrefix(id);
    out.append(user_key);
    return out;
}

std::string LeaseAttachPrefixEnd(LeaseId id) {
    if (id.value() == UINT64_MAX) {
        return std::string(1, kLeaseKeyPrefix + 1);
    }
    return LeaseAttachPrefix(LeaseId(id.value() + 1));
}

std::string_view DecodeLeaseAttachKey(std::string_view key) {
    KEEL_ASSERT(key.size() > 1 + kFixed64Bytes);
    KEEL_ASSERT(key[0] == kLeaseKeyPrefix);
    return key.substr(1 + kFixed64Bytes);
}

}  // namespace keel::kv::encoding
