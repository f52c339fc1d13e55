// Property test: the MVCC store against a deliberately simple in-memory model (a std::map of
// key -> every version), over random Put/Delete/Txn/Range/Compact/reopen sequences.
// Each seed is printed; rerun one with KEEL_KV_SEED=<seed>.
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/rng.h"
#include "kv/errors.h"
#include "kv/key_range.h"
#include "kv/mvcc_store.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

constexpr int kSeeds = 12;
constexpr int kStepsPerSeed = 400;

struct ModelVersion {
    Revision revision;
    bool tombstone = false;
    KeyValue kv;
};

// The obvious implementation: every version of every key in a vector, scanned linearly.
class Model {
public:
    Revision current() const { return current_; }

    Revision compacted() const { return compacted_; }

    std::optional<KeyValue> Visible(const std::string& key, Revision at) const {
        const auto it = keys_.find(key);
        if (it == keys_.end()) {
            return std::nullopt;
        }
        const ModelVersion* latest = nullptr;
        for (const ModelVersion& version : it->second) {
            if (version.revision <= at) {
                latest = &version;
            }
        }
        if (latest == nullptr || latest->tombstone) {
            return std::nullopt;
        }
        return latest->kv;
    }

    void Put(const std::string& key, const std::string& value) {
        const std::optional<KeyValue> prev = Visible(key, ReadRevision());
        const Revision at = current_.Next();
        keys_[key].push_back(
            ModelVersion{.revision = at,
                         .kv = KeyValue{.key = key,
                                        .create_revision = prev ? prev->create_revision : at,
                                        .mod_revision = at,
                                        .version = prev ? prev->version + 1 : 1,
                                        .value = value}});
        changed_ = true;
    }

    int64_t Delete(const KeyRange& range) {
        int64_t deleted = 0;
        for (const KeyValue& kv : Live(range, ReadRevision())) {
            keys_[kv.key].push_back(ModelVersion{
                .revision = current_.Next(), .tombstone = true, .kv = {.key = kv.key}});
            changed_ = true;
            ++deleted;
        }
        return deleted;
    }

    // Ends a write transaction: one revision if anything changed.
    void Commit() {
        if (changed_) {
            ++current_;
        }
        changed_ = false;
    }

    absl::StatusOr<std::vector<KeyValue>> Range(const KeyRange& range, Revision requested) const {
        const Revision at = requested.is_none() ? ReadRevision() : requested;
        if (at > ReadRevision()) {
            return FutureRevisionError();
        }
        if (at < compacted_) {
            return CompactedError();
        }
        return Live(range, at);
    }

    absl::Status Compact(Revision revision) {
        if (revision <= compacted_) {
            return CompactedError();
        }
        if (revision > current_) {
            return FutureRevisionError();
        }
        compacted_ = revision;
        return absl::OkStatus();
    }

private:
    Revision ReadRevision() const { return changed_ ? current_.Next() : current_; }

    std::vector<KeyValue> Live(const KeyRange& range, Revision at) const {
        std::vector<KeyValue> live;
        for (const auto& [key, versions] : keys_) {
            if (range.Contains(key)) {
                if (std::optional<KeyValue> kv = Visible(key, at)) {
                    live.push_back(*std::move(kv));
                }
            }
        }
        return live;
    }

    Revision current_ = kInitialRevision;
    Revision compacted_;
    bool changed_ = false;
    std::map<std::string, std::vector<ModelVersion>> keys_;
};

class ModelTest {
public:
    explicit ModelTest(uint64_t seed) : rng_(seed) {
        store_ = *MvccStore::Open(dir_.Sub("db"), {});
    }

    void Run() {
        for (int step = 0; step < kStepsPerSeed; ++step) {
            SCOPED_TRACE(::testing::Message() << "step " << step);
            Step();
            if (::testing::Test::HasFailure()) {
                return;
            }
            ASSERT_EQ(store_->revision(), model_.current());
            ASSERT_EQ(store_->compacted_revision(), model_.compacted());
        }
        store_->CheckInvariants();
    }

private:
    std::string RandomKey() {
        static const std::vector<std::string> kKeys = {
            "a", "ab", "abc", "b", std::string("a\0", 2), "\xff", "c", "d\xff"};
        return kKeys[rng_.Uniform(kKeys.size())];
    }

    KeyRange RandomRange(std::string* key, std::string* range_end) {
        *key = RandomKey();
        switch (rng_.Uniform(4)) {
            case 0:
                range_end->clear();
                break;
            case 1:
                *range_end = std::string(1, '\0');
                break;
            case 2:
                *range_end = PrefixEnd(*key);
                break;
            default:
                *range_end = RandomKey();
                break;
        }
        return KeyRange::FromRequest(*key, *range_end);
    }

    Revision RandomRevision() {
        if (rng_.Chance(1, 3)) {
            return Revision();
        }
        return Revision(rng_.Range(1, model_.current().value() + 1));
    }

    ApplyContext Next() { return ApplyContext{Index(++index_)}; }

    void Step() {
        switch (rng_.Uniform(10)) {
            case 0:
            case 1:
            case 2:
                return DoPut();
            case 3:
                return DoDelete();
            case 4:
            case 5:
                return DoTxn();
            case 6:
                return DoCompact();
            case 7:
                if (rng_.Chance(1, 4)) {
                    return DoReopen();
                }
                return DoRange();
            default:
                return DoRange();
        }
    }

    void DoPut() {
        const std::string key = RandomKey();
        const std::string value = "v" + std::to_string(rng_.Uniform(1000));
        auto result = store_->ApplyPut(Next(), {.key = key, .value = value});
        ASSERT_TRUE(result.response.ok()) << result.response.status();
        model_.Put(key, value);
        model_.Commit();
    }

    void DoDelete() {
        std::string key;
        std::string range_end;
        const KeyRange range = RandomRange(&key, &range_end);
        auto result = store_->ApplyDeleteRange(Next(), {.key = key, .range_end = range_end});
        ASSERT_TRUE(result.response.ok()) << result.response.status();
        EXPECT_EQ(result.response->deleted, model_.Delete(range));
        model_.Commit();
    }

    // A txn guarded by one compare on a value; each branch writes distinct keys.
    void DoTxn() {
        const std::string guard = RandomKey();
        const std::string expected = "v" + std::to_string(rng_.Uniform(1000));
        TxnRequest request{
            .compare = {Compare{.target = CompareTarget::kValue, .key = guard, .value = expected}}};
        std::vector<std::pair<std::string, bool>> success_ops;  // key, is_put
        std::vector<std::pair<std::string, bool>> failure_ops;
        for (auto* ops : {&success_ops, &failure_ops}) {
            std::vector<std::string> used;
            for (uint64_t n = rng_.Range(0, 3); n > 0; --n) {
                const std::string key = RandomKey();
                if (std::find(used.begin(), used.end(), key) != used.end()) {
                    continue;
                }
                used.push_back(key);
                ops->emplace_back(key, rng_.Chance(2, 3));
            }
        }
        auto to_request = [&](const auto& ops, std::vector<RequestOp>* out) {
            for (const auto& [key, is_put] : ops) {
                if (is_put) {
                    out->push_back(RequestOp{PutRequest{.key = key, .value = "t" + key}});
                } else {
                    out->push_back(RequestOp{DeleteRangeRequest{.key = key}});
                }
            }
        };
        to_request(success_ops, &request.success);
        to_request(failure_ops, &request.failure);
        auto result = store_->ApplyTxn(Next(), request);
        ASSERT_TRUE(result.response.ok()) << result.response.status();
        const std::optional<KeyValue> guard_kv = model_.Visible(guard, model_.current());
        const bool succeeded = guard_kv.has_value() && guard_kv->value == expected;
        EXPECT_EQ(result.response->succeeded, succeeded);
        for (const auto& [key, is_put] : succeeded ? success_ops : failure_ops) {
            if (is_put) {
                model_.Put(key, "t" + key);
            } else {
                model_.Delete(KeyRange::FromRequest(key, ""));
            }
        }
        model_.Commit();
    }

    void DoCompact() {
        const Revision revision = RandomRevision();
        if (revision.is_none()) {
            return;
        }
        auto result = store_->ApplyCompaction(Next(), {.revision = revision});
        EXPECT_EQ(result.response.status(), model_.Compact(revision));
    }

    void DoReopen() {
        store_.reset();
        store_ = *MvccStore::Open(dir_.Sub("db"), {});
        ASSERT_EQ(store_->applied_index(), Index(index_));
    }

    void DoRange() {
        std::string key;
        std::string range_end;
        const KeyRange range = RandomRange(&key, &range_end);
        const Revision revision = RandomRevision();
        const int64_t limit = static_cast<int64_t>(rng_.Range(0, 3));
        auto actual = store_->Range(
            {.key = key, .range_end = range_end, .limit = limit, .revision = revision});
        auto expected = model_.Range(range, revision);
        ASSERT_EQ(actual.status(), expected.status()) << "revision " << revision;
        if (!expected.ok()) {
            return;
        }
        EXPECT_EQ(actual->count, static_cast<int64_t>(expected->size()));
        const bool more = limit > 0 && expected->size() > static_cast<size_t>(limit);
        EXPECT_EQ(actual->more, more);
        if (more) {
            expected->resize(static_cast<size_t>(limit));
        }
        EXPECT_EQ(actual->kvs, *expected) << "range at revision " << revision;
    }

    testing::ScratchDir dir_;
    base::Rng rng_;
    std::unique_ptr<MvccStore> store_;
    Model model_;
    uint64_t index_ = 0;
};

std::vector<uint64_t> Seeds() {
    if (const char* seed = std::getenv("KEEL_KV_SEED")) {
        return {std::strtoull(seed, nullptr, 10)};
    }
    std::vector<uint64_t> seeds;
    for (int i = 1; i <= kSeeds; ++i) {
        seeds.push_back(static_cast<uint64_t>(i) * 7919);
    }
    return seeds;
}

TEST(MvccModel, StoreMatchesTheSimpleModel) {
    for (uint64_t seed : Seeds()) {
        std::cout << "seed " << seed << " (rerun with KEEL_KV_SEED=" << seed << ")\n";
        SCOPED_TRACE(::testing::Message() << "seed " << seed);
        ModelTest(seed).Run();
        if (::testing::Test::HasFailure()) {
            return;
        }
    }
}

}  // namespace
}  // namespace keel::kv
