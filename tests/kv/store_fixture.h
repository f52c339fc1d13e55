// Test helpers for the MVCC store: a scratch directory and an applier that numbers entries.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "kv/mvcc_store.h"

namespace keel::kv {

// Readable gtest output for the store's value types.
inline void PrintTo(const KeyValue& kv, std::ostream* os) {
    *os << "{key=" << ::testing::PrintToString(kv.key)
        << " value=" << ::testing::PrintToString(kv.value) << " create=" << kv.create_revision
        << " mod=" << kv.mod_revision << " ver=" << kv.version << " lease=" << kv.lease << "}";
}

inline void PrintTo(const Event& event, std::ostream* os) {
    *os << (event.type == EventType::kPut ? "PUT " : "DELETE ");
    PrintTo(event.kv, os);
    if (event.prev_kv.has_value()) {
        *os << " prev=";
        PrintTo(*event.prev_kv, os);
    }
}

}  // namespace keel::kv

namespace keel::kv::testing {

// A fresh directory under the system temp dir, removed with everything in it at destruction.
class ScratchDir {
public:
    ScratchDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "keel-kv-XXXXXX").string();
        KEEL_ASSERT(mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }

    ~ScratchDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::string& path() const { return path_; }

    std::string Sub(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

// Opens a store in a scratch directory and applies requests at consecutive indexes.
class StoreTest : public ::testing::Test {
protected:
    void SetUp() override { Reopen(); }

    void Reopen(MvccStoreOptions options = {}) {
        store_.reset();
        auto opened = MvccStore::Open(dir_.Sub("db"), options);
        ASSERT_TRUE(opened.ok()) << opened.status();
        store_ = std::move(opened).value();
        next_index_ = store_->applied_index().Next();
    }

    ApplyContext Next() {
        const ApplyContext ctx{.index = next_index_};
        ++next_index_;
        return ctx;
    }

    // Applies a put and asserts it succeeded; returns the revision it created.
    Revision Put(const std::string& key, const std::string& value, LeaseId lease = LeaseId()) {
        auto result = store_->ApplyPut(Next(), {.key = key, .value = value, .lease = lease});
        KEEL_ASSERT_MSG(result.response.ok(), "%s", result.response.status().ToString());
        return result.response->header.revision;
    }

    int64_t Delete(const std::string& key, const std::string& range_end = "") {
        auto result = store_->ApplyDeleteRange(Next(), {.key = key, .range_end = range_end});
        KEEL_ASSERT_MSG(result.response.ok(), "%s", result.response.status().ToString());
        return result.response->deleted;
    }

    RangeResponse Get(RangeRequest request) {
        auto response = store_->Range(request);
        KEEL_ASSERT_MSG(response.ok(), "%s", response.status().ToString());
        return *std::move(response);
    }

    void TearDown() override {
        if (store_ != nullptr) {
            store_->CheckInvariants();
        }
    }

    ScratchDir dir_;
    std::unique_ptr<MvccStore> store_;
    Index next_index_{1};
};

}  // namespace keel::kv::testing
