// KeySource: the keys a worker thread sends, drawn from a key space of fixed-size keys.
//
// Key i of the space is the prefix, then i in decimal zero-padded to fill key_size bytes, so
// every key has exactly key_size bytes and keys sort in index order. Sequential order walks the
// space from a per-thread offset; random order draws uniformly with a seeded generator.
//
// Not thread-safe: one per worker thread.
// Invariant: every key returned has key_size bytes.
#pragma once

#include <cstdint>
#include <random>
#include <string>

#include <absl/status/statusor.h>

#include "keel-bench/bench_options.h"

namespace keel::bench {

class KeySource {
public:
    // Errors: InvalidArgument if key_size cannot hold the prefix and key_space - 1 in decimal,
    // or key_space is 0.
    static absl::StatusOr<KeySource> Create(const BenchOptions& options, uint64_t seed);

    // The index of the next key.
    uint64_t NextIndex();
    // Key `index` of the space.
    std::string Key(uint64_t index) const;

    uint64_t key_space() const { return key_space_; }

private:
    KeySource(std::string prefix, size_t digits, uint64_t key_space, KeyOrder order, uint64_t seed);

    std::string prefix_;
    size_t digits_;
    uint64_t key_space_;
    KeyOrder order_;
    uint64_t next_;
    std::mt19937_64 rng_;
};

// The smallest key (inclusive) and the end (exclusive) of the range that holds every key with
// `prefix`, as etcd's --prefix computes it.
std::string PrefixRangeEnd(const std::string& prefix);

}  // namespace keel::bench
