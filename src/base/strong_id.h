// Strong integer types: a Term is not an Index, and a NodeId is not a LeaseId.
//
// StrongId<Tag> is an opaque identifier: it compares and hashes, nothing more.
// StrongCounter<Tag> is a monotone quantity (term, log index, revision): it also supports
// adding and subtracting plain counts, and the distance between two values.
// Both are trivially copyable wrappers over uint64_t with zero cost at run time; the value
// 0 means "none" by convention (Raft indexes are 1-based).
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

#include "base/assert.h"

namespace keel::base {

template <typename Tag>
class StrongId {
public:
    constexpr StrongId() = default;
    constexpr explicit StrongId(uint64_t value) : value_(value) {}

    constexpr uint64_t value() const { return value_; }
    constexpr bool is_none() const { return value_ == 0; }
    static constexpr StrongId None() { return StrongId(); }

    constexpr auto operator<=>(const StrongId&) const = default;

    template <typename H>
    friend H AbslHashValue(H h, StrongId id) {
        return H::combine(std::move(h), id.value_);
    }

    friend std::ostream& operator<<(std::ostream& os, StrongId id) { return os << id.value_; }

    template <typename Sink>
    friend void AbslStringify(Sink& sink, StrongId id) {
        absl::Format(&sink, "%d", id.value_);
    }

private:
    uint64_t value_ = 0;
};

template <typename Tag>
class StrongCounter {
public:
    constexpr StrongCounter() = default;
    constexpr explicit StrongCounter(uint64_t value) : value_(value) {}

    constexpr uint64_t value() const { return value_; }
    constexpr bool is_none() const { return value_ == 0; }
    static constexpr StrongCounter None() { return StrongCounter(); }

    constexpr auto operator<=>(const StrongCounter&) const = default;

    constexpr StrongCounter operator+(uint64_t n) const { return StrongCounter(value_ + n); }

    // Subtracting past zero is a bug, never a wrap-around.
    constexpr StrongCounter operator-(uint64_t n) const {
        KEEL_ASSERT_MSG(n <= value_, "counter underflow: %d - %d", value_, n);
        return StrongCounter(value_ - n);
    }

    // The distance from `other` up to this value; `other` must not be greater.
    constexpr uint64_t operator-(StrongCounter other) const {
        KEEL_ASSERT_MSG(other.value_ <= value_, "counter underflow: %d - %d", value_, other.value_);
        return value_ - other.value_;
    }

    constexpr StrongCounter& operator++() {
        ++value_;
        return *this;
    }

    constexpr StrongCounter Next() const { return StrongCounter(value_ + 1); }

    constexpr StrongCounter Prev() const { return *this - 1; }

    template <typename H>
    friend H AbslHashValue(H h, StrongCounter c) {
        return H::combine(std::move(h), c.value_);
    }

    friend std::ostream& operator<<(std::ostream& os, StrongCounter c) { return os << c.value_; }

    template <typename Sink>
    friend void AbslStringify(Sink& sink, StrongCounter c) {
        absl::Format(&sink, "%d", c.value_);
    }

private:
    uint64_t value_ = 0;
};

}  // namespace keel::base

template <typename Tag>
struct std::hash<keel::base::StrongId<Tag>> {
    size_t operator()(keel::base::StrongId<Tag> id) const noexcept {
        return std::hash<uint64_t>()(id.value());
    }
};

template <typename Tag>
struct std::hash<keel::base::StrongCounter<Tag>> {
    size_t operator()(keel::base::StrongCounter<Tag> c) const noexcept {
        return std::hash<uint64_t>()(c.value());
    }
};
