#include "kv/live_key_index.h"

#include <absl/strings/string_view.h>

#include "base/assert.h"
#include "kv/key_encoding.h"

namespace keel::kv {
namespace {

// Debian's Abseil has its own string_view, which is what its string maps look up by.
absl::string_view ToAbsl(std::string_view s) {
    return {s.data(), s.size()};
}

}  // namespace

LiveKeyIndex LiveKeyIndex::Build(const StateReader& reader) {
    LiveKeyIndex index;
    auto it = reader.NewIterator(encoding::KeyIndexRangeStart(""),
                                 encoding::KeyIndexRangeEnd(std::nullopt));
    it->SeekToFirst();
    while (it->Valid()) {
        // A key's entries ascend by revision: the last one before the next key's is its latest.
        const std::string prefix(encoding::KeyIndexKeyPrefix(it->key()));
        FullRevision latest = encoding::KeyIndexKeyRevision(it->key());
        encoding::VersionKind kind = encoding::DecodeVersionKind(it->value());
        for (it->Next(); it->Valid() && encoding::KeyIndexKeyPrefix(it->key()) == prefix;
             it->Next()) {
            latest = encoding::KeyIndexKeyRevision(it->key());
            kind = encoding::DecodeVersionKind(it->value());
        }
        if (kind == encoding::VersionKind::kPut) {
            index.latest_.emplace(encoding::DecodeKeyIndexPrefix(prefix), latest);
        }
    }
    it->AssertOk();
    return index;
}

std::optional<FullRevision> LiveKeyIndex::Find(std::string_view key) const {
    const auto found = latest_.find(ToAbsl(key));
    if (found == latest_.end()) {
        return std::nullopt;
    }
    return found->second;
}

void LiveKeyIndex::Set(std::string_view key, std::optional<FullRevision> revision) {
    if (revision.has_value()) {
        latest_.insert_or_assign(std::string(key), *revision);
    } else {
        const auto found = latest_.find(ToAbsl(key));
        if (found != latest_.end()) {
            latest_.erase(found);
        }
    }
}

}  // namespace keel::kv
