#include "sim/trace.h"

#include <absl/strings/str_format.h>

namespace keel::sim {

void Trace::Add(uint64_t now_us, std::string_view line) {
    std::string text = absl::StrFormat("%7d.%03dms %s", now_us / 1000, now_us % 1000, line);
    Hash(text);
    Hash("\n");
    ++line_count_;
    if (keep_) {
        lines_.push_back(std::move(text));
    }
}

void Trace::Hash(std::string_view bytes) {
    for (unsigned char c : bytes) {
        hash_ ^= c;
        hash_ *= 0x100000001b3ULL;
    }
}

}  // namespace keel::sim
