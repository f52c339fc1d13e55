// Trace: the simulator's event log. Every line also feeds a running hash, so two runs of one
// seed can be compared byte for byte without keeping their lines (the determinism test), and
// lines are kept only when asked for (keel-sim --trace).
//
// Owned by the cluster harness; single-threaded.
//
// Invariant: hash() is the FNV-1a hash of every line added, each followed by '\n'.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace keel::sim {

enum class TraceLines : uint8_t {
    kHashOnly = 0,
    kKeep = 1,
};

class Trace {
public:
    explicit Trace(TraceLines lines) : keep_(lines == TraceLines::kKeep) {}

    void Add(uint64_t now_us, std::string_view line);

    uint64_t hash() const { return hash_; }

    size_t line_count() const { return line_count_; }

    const std::vector<std::string>& lines() const { return lines_; }

private:
    void Hash(std::string_view bytes);

    bool keep_;
    uint64_t hash_ = 0xcbf29ce484222325ULL;
    size_t line_count_ = 0;
    std::vector<std::string> lines_;
};

}  // namespace keel::sim
