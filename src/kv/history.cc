#include "kv/history.h"

#include <algorithm>

#include "base/assert.h"
#include "kv/errors.h"
#include "kv/key_encoding.h"
#include "kv/key_range.h"
#include "kv/limits.h"
#include "kv/range.h"

namespace keel::kv {
namespace {

// The version of `key` just before `revision`, if it is live.
std::optional<KeyValue> PreviousVersion(const StateReader& reader,
                                        const std::string& key,
                                        FullRevision revision) {
    auto it = reader.NewIterator(encoding::KeyIndexPrefix(key), encoding::KeyIndexKeyEnd(key));
    it->SeekForPrev(encoding::KeyIndexKey(key, revision));
    KEEL_ASSERT(it->Valid());
    KEEL_ASSERT(encoding::DecodeKeyIndexKey(it->key()).revision == revision);
    it->Prev();
    if (!it->Valid()) {
        it->AssertOk();
        return std::nullopt;
    }
    if (encoding::DecodeVersionKind(it->value()) != encoding::VersionKind::kPut) {
        return std::nullopt;
    }
    return ReadVersion(reader, encoding::DecodeKeyIndexKey(it->key()).revision);
}

Event ToEvent(encoding::VersionRecord record) {
    const bool put = record.kind == encoding::VersionKind::kPut;
    return Event{.type = put ? EventType::kPut : EventType::kDelete, .kv = std::move(record.kv)};
}

}  // namespace

absl::StatusOr<HistoryResponse> ReadHistory(const StateReader& reader,
                                            const HistoryRequest& request,
                                            Revision current,
                                            Revision compacted) {
    if (request.key.empty()) {
        return EmptyKeyError();
    }
    if (request.start_revision.is_none()) {
        return absl::InvalidArgumentError("keel: history needs a start revision");
    }
    if (request.start_revision < compacted) {
        return CompactedError();
    }
    const size_t events_max = request.events_max == 0
                                  ? kHistoryEventsMax
                                  : std::min(request.events_max, kHistoryEventsMax);
    const KeyRange range = KeyRange::FromRequest(request.key, request.range_end);
    HistoryResponse response;
    response.next_revision = std::max(request.start_revision, current.Next());
    auto it = reader.NewIterator(encoding::RevisionKey({request.start_revision, 0}),
                                 encoding::RevisionKeyspaceEnd());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const FullRevision revision = encoding::DecodeRevisionKey(it->key());
        if (response.events.size() >= events_max
            && revision.main > response.events.back().kv.mod_revision) {
            response.next_revision = revision.main;
            break;
        }
        encoding::VersionRecord record = encoding::DecodeVersionRecord(it->value(), revision);
        if (!range.Contains(record.kv.key)) {
            continue;
        }
        Event event = ToEvent(std::move(record));
        if (request.prev_kv) {
            event.prev_kv = PreviousVersion(reader, event.kv.key, revision);
        }
        response.events.push_back(std::move(event));
    }
    it->AssertOk();
    return response;
}

}  // namespace keel::kv
