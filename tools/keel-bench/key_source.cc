#include "keel-bench/key_source.h"

#include <absl/strings/str_cat.h>

#include "base/assert.h"

namespace keel::bench {
namespace {

size_t DecimalDigits(uint64_t value) {
    size_t digits = 1;
    while (value >= 10) {
        value /= 10;
        ++digits;
    }
    return digits;
}

}  // namespace

absl::StatusOr<KeySource> KeySource::Create(const BenchOptions& options, uint64_t seed) {
    if (options.key_space == 0) {
        return absl::InvalidArgumentError("--key-space must be at least 1");
    }
    const size_t needed = DecimalDigits(options.key_space - 1);
    if (options.key_size < options.key_prefix.size() + needed) {
        return absl::InvalidArgumentError(absl::StrCat("--key-size=",
                                                       options.key_size,
                                                       " cannot hold the prefix \"",
                                                       options.key_prefix,
                                                       "\" and ",
                                                       needed,
                                                       " digits for --key-space=",
                                                       options.key_space));
    }
    return KeySource(options.key_prefix,
                     options.key_size - options.key_prefix.size(),
                     options.key_space,
                     options.key_order,
                     seed);
}

KeySource::KeySource(
    std::string prefix, size_t digits, uint64_t key_space, KeyOrder order, uint64_t seed)
    : prefix_(std::move(prefix)),
      digits_(digits),
      key_space_(key_space),
      order_(order),
      next_(seed % key_space),
      rng_(seed) {}

uint64_t KeySource::NextIndex() {
    if (order_ == KeyOrder::kRandom) {
        return std::uniform_int_distribution<uint64_t>(0, key_space_ - 1)(rng_);
    }
    const uint64_t index = next_;
    next_ = (next_ + 1) % key_space_;
    return index;
}

std::string KeySource::Key(uint64_t index) const {
    KEEL_ASSERT(index < key_space_);
    std::string key = prefix_;
    key.resize(prefix_.size() + digits_, '0');
    for (size_t i = key.size(); index > 0; index /= 10) {
        key[--i] = static_cast<char>('0' + index % 10);
    }
    KEEL_ASSERT(key.size() == prefix_.size() + digits_);
    return key;
}

std::string PrefixRangeEnd(const std::string& prefix) {
    std::string end = prefix;
    while (!end.empty()) {
        if (static_cast<unsigned char>(end.back()) < 0xff) {
            end.back() = static_cast<char>(end.back() + 1);
            return end;
        }
        end.pop_back();
    }
    return std::string(1, '\0');  // every key
}

}  // namespace keel::bench
