#include "kv/hash.h"

#include "base/crc32c.h"
#include "base/status.h"
#include "kv/errors.h"
#include "kv/key_encoding.h"
#include "kv/range.h"

namespace keel::kv {

absl::StatusOr<HashKvResponse> HashHistory(const StateReader& reader,
                                           Revision revision,
                                           Revision current,
                                           Revision compacted) {
    // etcd refuses a hash at the compacted revision itself, not only below it (a range there
    // is still served): the history up to it is no longer whole.
    if (!revision.is_none() && revision <= compacted) {
        return CompactedError();
    }
    KEEL_ASSIGN_OR_RETURN(const Revision at, ResolveReadRevision(revision, current, compacted));
    HashKvResponse response;
    response.compact_revision = compacted;
    response.hash_revision = at;
    uint32_t crc = base::Crc32c(encoding::RevisionKey({compacted, 0}));
    auto it = reader.NewIterator(encoding::RevisionKey({Revision(0), 0}),
                                 encoding::RevisionKey({at.Next(), 0}));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        crc = base::Crc32c(it->key(), crc);
        crc = base::Crc32c(it->value(), crc);
    }
    it->AssertOk();
    response.hash = crc;
    return response;
}

}  // namespace keel::kv
