#include "kv/key_encoding.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/rng.h"
#include "kv/key_range.h"

namespace keel::kv::encoding {
namespace {

std::string RandomKey(base::Rng& rng) {
    // A small alphabet with NUL and 0xff makes prefixes and escapes common.
    static constexpr char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\xfe', '\xff'};
    std::string key(rng.Range(0, 4), ' ');
    for (char& c : key) {
        c = kAlphabet[rng.Uniform(sizeof(kAlphabet))];
    }
    return key;
}

TEST(KeyEncoding, IndexOrderIsUserKeyThenRevision) {
    base::Rng rng(7);
    for (int round = 0; round < 2000; ++round) {
        const std::string a = RandomKey(rng);
        const std::string b = RandomKey(rng);
        const FullRevision ra{Revision(rng.Range(0, 3)), rng.Range(0, 2)};
        const FullRevision rb{Revision(rng.Range(0, 3)), rng.Range(0, 2)};
        const bool user_less = a < b || (a == b && ra < rb);
        EXPECT_EQ(user_less, KeyIndexKey(a, ra) < KeyIndexKey(b, rb))
            << "a=" << a.size() << " b=" << b.size();
        EXPECT_LT(KeyIndexKey(a, ra), KeyIndexKeyEnd(a));
        if (a < b) {
            EXPECT_LT(KeyIndexKeyEnd(a), KeyIndexKey(b, rb));
        }
    }
}

TEST(KeyEncoding, RangeBoundsSelectExactlyTheRange) {
    base::Rng rng(11);
    for (int round = 0; round < 2000; ++round) {
        const std::string key = RandomKey(rng);
        const KeyRange range{.begin = RandomKey(rng), .end = RandomKey(rng)};
        const std::string encoded = KeyIndexKey(key, {Revision(rng.Range(0, 9)), 0});
        const bool inside =
            encoded >= KeyIndexRangeStart(range.begin) && encoded < KeyIndexRangeEnd(range.end);
        EXPECT_EQ(inside, range.Contains(key));
    }
}

TEST(KeyEncoding, IndexKeyRoundTrips) {
    const std::string key("a\0b\0", 4);
    const IndexEntry entry = DecodeKeyIndexKey(KeyIndexKey(key, {Revision(9), 3}));
    EXPECT_EQ(entry.user_key, key);
    EXPECT_EQ(entry.revision, (FullRevision{Revision(9), 3}));
}

TEST(KeyEncoding, PrefixViewsAgreeWithTheFullDecoder) {
    base::Rng rng(13);
    for (int round = 0; round < 500; ++round) {
        const std::string key = RandomKey(rng);
        const FullRevision revision{Revision(rng.Next()), rng.Next()};
        const std::string encoded = KeyIndexKey(key, revision);
        EXPECT_EQ(KeyIndexKeyPrefix(encoded), KeyIndexPrefix(key));
        EXPECT_EQ(KeyIndexKeyRevision(encoded), revision);
        EXPECT_EQ(DecodeKeyIndexPrefix(KeyIndexPrefix(key)), key);
        EXPECT_EQ(KeyIndexKeyAt(KeyIndexPrefix(key), revision), encoded);
        EXPECT_LT(encoded, KeyIndexPrefixEnd(KeyIndexPrefix(key)));
    }
}

TEST(KeyEncoding, RecordsRoundTrip) {
    VersionRecord record;
    record.kv = KeyValue{.key = std::string("k\0", 2),
                         .create_revision = Revision(3),
                         .mod_revision = Revision(8),
                         .version = 4,
                         .value = std::string("v\0\xff", 3),
                         .lease = LeaseId(77)};
    const VersionRecord decoded =
        DecodeVersionRecord(EncodeVersionRecord(record), {Revision(8), 1});
    EXPECT_EQ(decoded.kind, VersionKind::kPut);
    EXPECT_EQ(decoded.kv, record.kv);

    const StoreMeta meta{Index(5), Revision(9), Revision(4), LeaseId(2)};
    EXPECT_EQ(DecodeStoreMeta(EncodeStoreMeta(meta)), meta);

    const LeaseRecord lease{.id = LeaseId(6), .granted_ttl = 30, .remaining_ttl_hint = 12};
    EXPECT_EQ(DecodeLeaseRecord(EncodeLeaseRecord(lease), LeaseId(6)), lease);
    EXPECT_EQ(DecodeLeaseKey(LeaseKey(LeaseId(6))), LeaseId(6));
    EXPECT_EQ(DecodeLeaseAttachKey(LeaseAttachKey(LeaseId(6), "key")), "key");
    EXPECT_LT(LeaseAttachKey(LeaseId(6), "\xff\xff"), LeaseAttachPrefixEnd(LeaseId(6)));
}

TEST(KeyEncodingDeathTest, TruncatedRecordIsABug) {
    EXPECT_DEATH(DecodeStoreMeta("\x01"), "store meta has 1 bytes");
    EXPECT_DEATH(DecodeVersionRecord(std::string(3, '\x01'), {}), "record truncated");
}

TEST(KeyRange, PrefixEndIncrementsTheLastByte) {
    EXPECT_EQ(PrefixEnd("abc"), "abd");
    EXPECT_EQ(PrefixEnd("a\xff"), "b");
    EXPECT_EQ(PrefixEnd("\xff\xff"), std::string(1, '\0'));
    EXPECT_EQ(PrefixEnd(""), std::string(1, '\0'));
}

TEST(KeyRange, FromRequestFollowsEtcdConventions) {
    const KeyRange single = KeyRange::FromRequest("a", "");
    EXPECT_TRUE(single.Contains("a"));
    EXPECT_FALSE(single.Contains(std::string("a\0", 2)));
    const KeyRange from = KeyRange::FromRequest("b", std::string(1, '\0'));
    EXPECT_FALSE(from.Contains("a"));
    EXPECT_TRUE(from.Contains("zzzz"));
    const KeyRange all = KeyRange::FromRequest(std::string(1, '\0'), std::string(1, '\0'));
    EXPECT_TRUE(all.Contains(std::string(1, '\0')));
    EXPECT_TRUE(all.Contains("\xff"));
    const KeyRange inverted = KeyRange::FromRequest("b", "a");
    EXPECT_TRUE(inverted.IsEmpty());
    EXPECT_FALSE(inverted.Overlaps(all));
    EXPECT_TRUE(single.Overlaps(all));
    EXPECT_FALSE(single.Overlaps(from));
}

}  // namespace
}  // namespace keel::kv::encoding
