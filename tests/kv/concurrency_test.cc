// Reads on other threads while the owner applies: every read sees whole applies only.
// The interleaving varies from run to run; the assertions hold under every interleaving.
#include <atomic>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "kv/mvcc_store.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

constexpr int kApplies = 200;
// Keys written by each txn: enough that a read's scan spans several applies if unprotected.
constexpr size_t kKeysPerTxn = 100;

std::string KeyName(size_t i) {
    std::string name = std::to_string(i);
    return "k" + std::string(3 - name.size(), '0') + name;
}

TEST(MvccConcurrency, ReadersSeeWholeAppliesOnly) {
    testing::ScratchDir dir;
    auto opened = MvccStore::Open(dir.Sub("db"), {});
    ASSERT_TRUE(opened.ok());
    MvccStore& store = **opened;
    std::atomic<bool> done{false};
    std::atomic<int> torn_reads{0};
    std::atomic<int> reads{0};
    std::thread reader([&] {
        Revision last_seen;
        while (!done.load()) {
            auto response = store.Range({.key = "k", .range_end = "l"});
            if (!response.ok() || response->header.revision < last_seen) {
                ++torn_reads;
                continue;
            }
            last_seen = response->header.revision;
            // One txn writes every key: all absent before the first, then all present with the
            // value naming the revision of the read.
            const std::string expected = std::to_string(response->header.revision.value());
            const bool before_first = response->header.revision == kInitialRevision;
            bool consistent = response->kvs.size() == (before_first ? 0u : kKeysPerTxn);
            for (const KeyValue& kv : response->kvs) {
                consistent = consistent && kv.value == expected;
            }
            if (!consistent) {
                ++torn_reads;
            }
            ++reads;
        }
    });
    for (int i = 1; i <= kApplies; ++i) {
        const std::string value = std::to_string(i + 1);  // The revision this txn creates.
        TxnRequest txn;
        for (size_t k = 0; k < kKeysPerTxn; ++k) {
            txn.success.push_back(RequestOp{PutRequest{.key = KeyName(k), .value = value}});
        }
        const auto txn_index = static_cast<uint64_t>(2 * i - 1);
        auto result = store.ApplyTxn(ApplyContext{Index(txn_index)}, txn);
        ASSERT_TRUE(result.response.ok());
        // Compacting at once removes the versions a read of the previous revision needs: only
        // the read's snapshot keeps them.
        const uint64_t compact_index = txn_index + 1;
        ASSERT_TRUE(
            store
                .ApplyCompaction(ApplyContext{Index(compact_index)}, {.revision = store.revision()})
                .response.ok());
    }
    done.store(true);
    reader.join();
    EXPECT_EQ(torn_reads.load(), 0);
    EXPECT_GT(reads.load(), 0);
    EXPECT_EQ(store.revision(), Revision(kApplies + 1));
}

}  // namespace
}  // namespace keel::kv
