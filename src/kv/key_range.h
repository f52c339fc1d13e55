// A set of user keys named by etcd's (key, range_end) convention.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keel::kv {

// The range end that selects every key starting with `prefix`: the prefix with its last
// non-0xff byte incremented and the bytes after it dropped; "\0" (every key) if there is no
// such byte, as etcd's clientv3.GetPrefixRangeEnd.
std::string PrefixEnd(std::string_view prefix);

// The half-open interval [begin, end) of user keys; no `end` means unbounded above.
// Built from etcd's convention: an empty range_end names the single key (end = key + "\0",
// its immediate successor); range_end == "\0" names every key >= key.
// Invariant: a key range built by FromRequest is never "inverted" in a way that selects keys
// outside [begin, end): if end <= begin it selects nothing.
struct KeyRange {
    std::string begin;
    std::optional<std::string> end;

    static KeyRange FromRequest(std::string_view key, std::string_view range_end);

    bool Contains(std::string_view key) const;
    // True if no key can fall in the range.
    bool IsEmpty() const;
    // True if the two ranges share at least one key.
    bool Overlaps(const KeyRange& other) const;
};

}  // namespace keel::kv
