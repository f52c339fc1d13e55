// Helpers for the checker tests: hand-made log entries and histories.
#pragma once

#include <string>
#include <vector>

#include "raft/types.h"

namespace keel::sim::checker_testing {

inline raft::Entry E(uint64_t index, uint64_t term, std::string data = "") {
    if (data.empty()) {
        data = "e" + std::to_string(index) + "t" + std::to_string(term);
    }
    return raft::Entry{.term = Term(term), .index = Index(index), .data = std::move(data)};
}

// Entries first..last, all of term `term`.
inline std::vector<raft::Entry> Entries(uint64_t first, uint64_t last, uint64_t term) {
    std::vector<raft::Entry> out;
    for (uint64_t i = first; i <= last; ++i) {
        out.push_back(E(i, term));
    }
    return out;
}

}  // namespace keel::sim::checker_testing
