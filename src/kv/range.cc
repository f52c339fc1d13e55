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
        const std::string user_key = encoding::DecodeKeyIndexKey(it->key()).user_key;
        const std::string prefix = encoding::KeyIndexPrefix(user_key);
        it->SeekForPrev(encoding::KeyIndexKey(user_key, {at, FullRevision::kSubMax}));
        if (it->Valid() && it->key().starts_with(prefix)
            && encoding::DecodeVersionKind(it->value()) == encoding::VersionKind::kPut) {
            visible.push_back({user_key, encoding::DecodeKeyIndexKey(it->key()).revision});
        }
        it->Seek(encoding::KeyIndexKeyEnd(user_key));
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
    const std::vector<VisibleVersion> visible =
        ListVisible(reader, KeyRange::FromRequest(key, ""), at);
    KEEL_ASSERT(visible.size() <= 1);
    if (visible.empty()) {
        return std::nullopt;
    }
    return ReadVersion(reader, visible.front().revision);
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
