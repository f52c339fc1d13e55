// Property test: the MVCC store against a deliberately simple in-memory model (a std::map of
// key -> every version), over random Put/Delete/Txn/Range/History/Compact sequences with
// crashes (the unflushed tail is lost and replayed from the test's "Raft log") and reopens.
// Each seed is printed; rerun one with KEEL_KV_SEED=<seed>.
#include <algorithm>
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
    // Global order of the changes: orders the changes of one revision.
    uint64_t seq = 0;
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
                         .seq = next_seq_++,
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
            keys_[kv.key].push_back(
                ModelVersion{.revision = current_.Next(),
                             .seq = next_seq_++,
                             .tombstone = true,
                             .kv = {.key = kv.key, .mod_revision = current_.Next()}});
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
        // Drop what etcd's rule drops: per key, every version at or below the revision but
        // the latest one there, and that one too if it is a tombstone.
        for (auto& [key, versions] : keys_) {
            auto newer = std::find_if(versions.begin(), versions.end(), [&](const ModelVersion& v) {
                return v.revision > revision;
            });
            if (newer != versions.begin()) {
                auto latest_old = std::prev(newer);
                versions.erase(versions.begin(), latest_old);
                if (versions.front().tombstone) {
                    versions.erase(versions.begin());
                }
            }
        }
        return absl::OkStatus();
    }

    // The events on `range` from revision `start` on, from what compaction left.
    absl::StatusOr<Events> History(const KeyRange& range, Revision start) const {
        if (start < compacted_) {
            return CompactedError();
        }
        std::vector<const ModelVersion*> changes;
        for (const auto& [key, versions] : keys_) {
            for (const ModelVersion& version : versions) {
                if (range.Contains(key) && version.revision >= start) {
                    changes.push_back(&version);
                }
            }
        }
        std::sort(changes.begin(), changes.end(), [](const auto* a, const auto* b) {
            return a->seq < b->seq;
        });
        Events events;
        for (const ModelVersion* version : changes) {
            events.push_back(
                Event{.type = version->tombstone ? EventType::kDelete : EventType::kPut,
                      .kv = version->kv});
        }
        return events;
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
    uint64_t next_seq_ = 0;
    std::map<std::string, std::vector<ModelVersion>> keys_;
};

// An entry of the test's "Raft log", kept so that a crash's lost tail can be replayed.
using Entry = WriteRequest;

class ModelTest {
public:
    explicit ModelTest(uint64_t seed) : rng_(seed) { Open(); }

    void Run() {
        for (int step = 0; step < kStepsPerSeed; ++step) {
            SCOPED_TRACE(::testing::Message() << "step " << step);
            Step();
            if (::testing::Test::HasFailure()) {
                return;
            }
            ASSERT_EQ(store_->applied_index(), Index(log_.size()));
            ASSERT_EQ(store_->revision(), model_.current());
            ASSERT_EQ(store_->compacted_revision(), model_.compacted());
        }
        store_->CheckInvariants();
    }

private:
    // Every close is a crash: what was not flushed is lost.
    void Open() {
        store_.reset();
        store_ = *MvccStore::Open(dir_.Sub("db"), {.shutdown = ShutdownMode::kDropUnflushed});
    }

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

    // Appends `entry` to the log and returns the context to apply it at.
    ApplyContext Append(Entry entry) {
        log_.push_back(std::move(entry));
        return ApplyContext{Index(log_.size())};
    }

    void Step() {
        // Weights out of 24: writes 12, reads 8, compaction 2, flush/reopen/crash 1, ...
        const uint64_t roll = rng_.Uniform(24);
        if (roll < 6) {
            return DoPut();
        }
        if (roll < 8) {
            return DoDelete();
        }
        if (roll < 12) {
            return DoTxn();
        }
        if (roll < 14) {
            return DoCompact();
        }
        if (roll < 17) {
            return DoHistory();
        }
        if (roll < 18) {
            return DoDurability();
        }
        return DoRange();
    }

    void DoPut() {
        const PutRequest request{.key = RandomKey(),
                                 .value = "v" + std::to_string(rng_.Uniform(1000))};
        auto result = store_->ApplyPut(Append(request), request);
        ASSERT_TRUE(result.response.ok()) << result.response.status();
        model_.Put(request.key, request.value);
        model_.Commit();
    }

    void DoDelete() {
        DeleteRangeRequest request;
        const KeyRange range = RandomRange(&request.key, &request.range_end);
        auto result = store_->ApplyDeleteRange(Append(request), request);
        ASSERT_TRUE(result.response.ok()) << result.response.status();
        EXPECT_EQ(result.response->deleted, model_.Delete(range));
        model_.Commit();
    }

    // Up to three writes (puts or deletes) on distinct keys.
    std::vector<std::pair<std::string, bool>> RandomWrites() {
        std::vector<std::pair<std::string, bool>> writes;  // key, is_put
        for (uint64_t n = rng_.Range(0, 3); n > 0; --n) {
            const std::string key = RandomKey();
            const bool is_put = rng_.Chance(2, 3);
            if (std::none_of(writes.begin(), writes.end(), [&](const auto& write) {
                    return write.first == key;
                })) {
                writes.emplace_back(key, is_put);
            }
        }
        return writes;
    }

    static std::vector<RequestOp> ToOps(const std::vector<std::pair<std::string, bool>>& writes) {
        std::vector<RequestOp> ops;
        for (const auto& [key, is_put] : writes) {
            if (is_put) {
                ops.push_back(RequestOp{PutRequest{.key = key, .value = "t" + key}});
            } else {
                ops.push_back(RequestOp{DeleteRangeRequest{.key = key}});
            }
        }
        return ops;
    }

    // A txn guarded by one compare on a value; each branch writes distinct keys.
    void DoTxn() {
        const std::string guard = RandomKey();
        const std::string expected = "v" + std::to_string(rng_.Uniform(1000));
        const auto success = RandomWrites();
        const auto failure = RandomWrites();
        const TxnRequest request{
            .compare = {Compare{.target = CompareTarget::kValue, .key = guard, .value = expected}},
            .success = ToOps(success),
            .failure = ToOps(failure)};
        auto result = store_->ApplyTxn(Append(request), request);
        ASSERT_TRUE(result.response.ok()) << result.response.status();
        const std::optional<KeyValue> guard_kv = model_.Visible(guard, model_.current());
        const bool succeeded = guard_kv.has_value() && guard_kv->value == expected;
        EXPECT_EQ(result.response->succeeded, succeeded);
        for (const auto& [key, is_put] : succeeded ? success : failure) {
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
        const CompactionRequest request{.revision = revision};
        auto result = store_->ApplyCompaction(Append(request), request);
        EXPECT_EQ(result.response.status(), model_.Compact(revision));
    }

    // Flush, reopen cleanly, or crash and replay the lost tail of the log.
    void DoDurability() {
        const uint64_t choice = rng_.Uniform(3);
        if (choice == 0) {
            ASSERT_TRUE(store_->Flush().ok());
            flushed_ = store_->applied_index();
            return;
        }
        if (choice == 1) {
            ASSERT_TRUE(store_->Flush().ok());
            flushed_ = store_->applied_index();
        }
        Open();
        const Index recovered = store_->applied_index();
        ASSERT_GE(recovered, flushed_);
        ASSERT_LE(recovered.value(), log_.size());
        store_->CheckInvariants();
        for (uint64_t i = 1; i <= log_.size(); ++i) {
            const ApplyOutcome expected =
                i <= recovered.value() ? ApplyOutcome::kAlreadyApplied : ApplyOutcome::kApplied;
            ASSERT_EQ(store_->Apply(ApplyContext{Index(i)}, log_[i - 1]).outcome, expected);
        }
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

    void DoHistory() {
        HistoryRequest request{.start_revision =
                                   Revision(rng_.Range(1, model_.current().value() + 1))};
        const KeyRange range = RandomRange(&request.key, &request.range_end);
        auto actual = store_->History(request);
        auto expected = model_.History(range, request.start_revision);
        ASSERT_EQ(actual.status(), expected.status()) << "from " << request.start_revision;
        if (expected.ok()) {
            EXPECT_EQ(actual->events, *expected) << "history from " << request.start_revision;
        }
    }

    testing::ScratchDir dir_;
    base::Rng rng_;
    std::unique_ptr<MvccStore> store_;
    Model model_;
    // The "Raft log": entry i is log_[i - 1].
    std::vector<Entry> log_;
    // The applied index at the last Flush: a crash never loses what it made durable.
    Index flushed_;
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
