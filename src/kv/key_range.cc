#include "kv/key_range.h"

namespace keel::kv {

std::string PrefixEnd(std::string_view prefix) {
    std::string end(prefix);
    while (!end.empty()) {
        const auto last = static_cast<unsigned char>(end.back());
        if (last < 0xff) {
            end.back() = static_cast<char>(last + 1);
            return end;
        }
        end.pop_back();
    }
    return std::string(1, '\0');
}

KeyRange KeyRange::FromRequest(std::string_view key, std::string_view range_end) {
    KeyRange range{.begin = std::string(key), .end = std::nullopt};
    if (range_end.empty()) {
        range.end = std::string(key) + '\0';
    } else if (range_end != std::string_view("\0", 1)) {
        range.end = std::string(range_end);
    }
    return range;
}

bool KeyRange::Contains(std::string_view key) const {
    return key >= begin && (!end.has_value() || key < *end);
}

bool KeyRange::IsEmpty() const {
    return end.has_value() && *end <= begin;
}

bool KeyRange::Overlaps(const KeyRange& other) const {
    if (IsEmpty() || other.IsEmpty()) {
        return false;
    }
    const bool this_before_other = end.has_value() && *end <= other.begin;
    const bool other_before_this = other.end.has_value() && *other.end <= begin;
    return !this_before_other && !other_before_this;
}

}  // namespace keel::kv
