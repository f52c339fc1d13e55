#include "kv/range.h"

#include <algorithm>

#include "base/assert.h"
#include "base/status.h"
#include "kv/errors.h"
#include "kv/key_encoding.h"

namespace keel::kv {
namespace {

// etcd's rule: a non-key target without an order sorts ascending; ascending by key is the
// index order already, so it needs no sort.
SortOrder EffectiveSortOrder(const RangeRequest& request) {
    if (request.sort_target != SortTarget::kKey && request.sort_order == SortOrder::kNone) {
        return SortOrder::kAscend;
    }
    if (request.sort_target == SortTarget::kKey && request.sort_order == SortOrder::kAscend) {
        return SortOrder::kNone;
    }
    return request.sort_order;
}

bool HasRevisionFilters(const RangeRequest& r) {
    return !r.min_mod_revision.is_none() || !r.max_mod_revision.is_none()
           || !r.min_create_revision.is_none() || !r.max_create_revision.is_none();
}

bool PassesFilters(const RangeRequest& r, const KeyValue& kv) {
    if (!r.min_mod_revision.is_none() && kv.mod_revision < r.min_mod_revision) {
        return false;
    }
    if (!r.max_mod_revision.is_none() && kv.mod_revision > r.max_mod_revision) {
        return false;
    }
    if (!r.min_create_revision.is_none() && kv.create_revision < r.min_create_revision) {
        return false;
    }
    if (!r.max_create_revision.is_none() && kv.create_revision > r.max_create_revision) {
        return false;
    }
    return true;
}

// Strict weak "less" on the sort target alone; ties keep their key order (stable sort).
bool TargetLess(SortTarget target, const KeyValue& a, const KeyValue& b) {
    switch (target) {
        case SortTarget::kKey:
            return a.key < b.key;
        case SortTarget::kVersion:
            return a.version < b.version;
        case SortTarget::kCreate:
            return a.create_revision < b.create_revision;
        case SortTarget::kMod:
            return a.mod_revision < b.mod_revision;
        case SortTarget::kValue:
            return a.value < b.value;
    }
    KEEL_UNREACHABLE();
}

void SortKvs(SortOrder order, SortTarget target, std::vector<KeyValue>* kvs) {
    if (order == SortOrder::kAscend) {
        std::stable_sort(kvs->begin(), kvs->end(), [target](const auto& a, const auto& b) {
            return TargetLess(target, a, b);
        });
    } else if (order == SortOrder::kDescend) {
        std::stable_sort(kvs->begin(), kvs->end(), [target](const auto& a, const auto& b) {
            return TargetLess(target, b, a);
        });
    }
}

// A version found in the key index.
struct VersionAt {
    FullRevision revision;
    encoding::VersionKind kind;
};

// Forward steps through one key's versions before seeking instead: most keys have few
// versions, and a step is much cheaper than a seek; a key with deep history costs one seek.
constexpr size_t kVersionStepsBeforeSeek = 8;

struct KeyScan {
    // The key's newest version at or below the read revision, if any.
    std::optional<VersionAt> visible;
    // The iterator already left the key's entries (it is at the next key's, or invalid).
    bool past_key = false;
};

// Finds the version visible at `at` of the key whose index entries start with `prefix`.
// Precondition: `it` is at the key's first entry.
KeyScan ScanKey(BoundedIterator& it, const std::string& prefix, Revision at) {
    KeyScan scan;
    for (size_t steps = 0; steps < kVersionStepsBeforeSeek; ++steps) {
        const FullRevision revision = encoding::KeyIndexKeyRevision(it.key());
        if (revision.main > at) {
            return scan;  // Entries ascend by revision: the rest are newer still.
        }
        scan.visible = VersionAt{revision, encoding::DecodeVersionKind(it.value())};
        it.Next();
        if (!it.Valid() || encoding::KeyIndexKeyPrefix(it.key()) != prefix) {
            scan.past_key = true;
            return scan;
        }
    }
    if (encoding::KeyIndexKeyRevision(it.key()).main <= at) {
        // Deep history: jump straight to the visible version.
        it.SeekForPrev(encoding::KeyIndexKeyAt(prefix, {at, FullRevision::kSubMax}));
        KEEL_ASSERT(it.Valid());
        KEEL_ASSERT(encoding::KeyIndexKeyPrefix(it.key()) == prefix);
        scan.visible = VersionAt{encoding::KeyIndexKeyRevision(it.key()),
                                 encoding::DecodeVersionKind(it.value())};
    }
    return scan;
}

}  // namespace

absl::StatusOr<Revision> ResolveReadRevision(Revision requested,
                                             Revision current,
                                             Revision compacted) {
    KEEL_ASSERT(compacted <= current);
    if (requested.is_none()) {
        return current;
    }
    if (requested > current) {
        return FutureRevisionError();
    }
    if (requested < compacted) {
        return CompactedError();
    }
    return requested;
}

std::vector<VisibleVersion> ListVisible(const StateReader& reader,
                                        const KeyRange& range,
                                        Revision at) {
    std::vector<VisibleVersion> visible;
    if (range.IsEmpty()) {
        return visible;
    }
    auto it = reader.NewIterator(encoding::KeyIndexRangeStart(range.begin),
                                 encoding::KeyIndexRangeEnd(range.end));
    it->SeekToFirst();
    while (it->Valid()) {
        const std::string prefix(encoding::KeyIndexKeyPrefix(it->key()));
        const KeyScan scan = ScanKey(*it, prefix, at);
        if (scan.visible.has_value() && scan.visible->kind == encoding::VersionKind::kPut) {
            visible.push_back({encoding::DecodeKeyIndexPrefix(prefix), scan.visible->revision});
        }
        if (!scan.past_key) {
            it->Seek(encoding::KeyIndexPrefixEnd(prefix));
        }
    }
    it->AssertOk();
    return visible;
}

KeyValue ReadVersion(const StateReader& reader, FullRevision revision) {
    const std::optional<std::string> bytes = reader.Get(encoding::RevisionKey(revision));
    KEEL_ASSERT_MSG(bytes.has_value(),
                    "kv: index names revision %d.%d, history lacks it",
                    revision.main.value(),
                    revision.sub);
    encoding::VersionRecord record = encoding::DecodeVersionRecord(*bytes, revision);
    KEEL_ASSERT(record.kind == encoding::VersionKind::kPut);
    return std::move(record.kv);
}

std::optional<KeyValue> VisibleAt(const StateReader& reader, std::string_view key, Revision at) {
    const std::string prefix = encoding::KeyIndexPrefix(key);
    auto it = reader.NewIterator(prefix, encoding::KeyIndexPrefixEnd(prefix));
    it->SeekForPrev(encoding::KeyIndexKeyAt(prefix, {at, FullRevision::kSubMax}));
    if (!it->Valid()) {
        it->AssertOk();
        return std::nullopt;
    }
    if (encoding::DecodeVersionKind(it->value()) != encoding::VersionKind::kPut) {
        return std::nullopt;
    }
    return ReadVersion(reader, encoding::KeyIndexKeyRevision(it->key()));
}

absl::StatusOr<RangeResponse> ExecuteRange(const StateReader& reader,
                                           const RangeRequest& request,
                                           Revision current,
                                           Revision compacted) {
    if (request.key.empty()) {
        return EmptyKeyError();
    }
    KEEL_ASSIGN_OR_RETURN(const Revision at,
                          ResolveReadRevision(request.revision, current, compacted));
    const std::vector<VisibleVersion> visible =
        ListVisible(reader, KeyRange::FromRequest(request.key, request.range_end), at);
    RangeResponse response;
    response.count = static_cast<int64_t>(visible.size());
    if (request.count_only) {
        return response;
    }
    const SortOrder order = EffectiveSortOrder(request);
    const bool fetch_all = order != SortOrder::kNone || HasRevisionFilters(request);
    const auto limit = static_cast<size_t>(std::max<int64_t>(request.limit, 0));
    // One past the limit tells whether there is more.
    const size_t fetch =
        (fetch_all || limit == 0) ? visible.size() : std::min(visible.size(), limit + 1);
    for (size_t i = 0; i < fetch; ++i) {
        KeyValue kv = ReadVersion(reader, visible[i].revision);
        if (PassesFilters(request, kv)) {
            response.kvs.push_back(std::move(kv));
        }
    }
    SortKvs(order, request.sort_target, &response.kvs);
    if (limit > 0 && response.kvs.size() > limit) {
        response.kvs.resize(limit);
        response.more = true;
    }
    if (request.keys_only) {
        for (KeyValue& kv : response.kvs) {
            kv.value.clear();
        }
    }
    return response;
}

}  // namespace keel::kv
