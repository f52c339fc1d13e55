// Helpers shared by the storage tests: entries, and a temporary directory on the real disk.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "raft/types.h"

namespace keel::storage::testing {

inline raft::Entry MakeEntry(uint64_t index, uint64_t term, std::string data = "") {
    if (data.empty()) {
        data = "entry-" + std::to_string(index) + "-term-" + std::to_string(term);
    }
    return raft::Entry{.term = Term(term), .index = Index(index), .data = std::move(data)};
}

// Entries [first, last] of `term`, each with `data_bytes` bytes of data (0: a short label).
inline std::vector<raft::Entry> MakeEntries(uint64_t first,
                                            uint64_t last,
                                            uint64_t term,
                                            size_t data_bytes = 0) {
    std::vector<raft::Entry> entries;
    for (uint64_t i = first; i <= last; ++i) {
        std::string data;
        if (data_bytes > 0) {
            data.assign(data_bytes, static_cast<char>('a' + i % 26));
        }
        entries.push_back(MakeEntry(i, term, std::move(data)));
    }
    return entries;
}

// A fresh directory under /tmp, removed with everything in it when the test ends.
class TempDir {
public:
    TempDir() {
        std::string pattern = "/tmp/keel-storage-XXXXXX";
        const char* made = ::mkdtemp(pattern.data());
        EXPECT_NE(made, nullptr);
        path_ = pattern;
    }

    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace keel::storage::testing
