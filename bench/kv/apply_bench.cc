// The CPU cost of applying one put to the MVCC store, the largest share of a put in keeld's
// profile (docs/benchmarks.md). A store is filled with kKeySpace keys, then each iteration
// applies one put of a random key (seeded: every run applies the same sequence) with a
// 256-byte value, as keel-bench's put workload does. CPU time is the whole process's, so it
// includes RocksDB's background flushes and compactions.
//
//   build/bench/kv/apply_bench --benchmark_min_time=3
//   valgrind --tool=callgrind --toggle-collect='keel::kv::MvccStore::Apply*'
//       build/bench/kv/apply_bench --benchmark_filter=Fixed    (instruction counts)

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "base/assert.h"
#include "kv/mvcc_store.h"

namespace keel::kv {
namespace {

constexpr uint64_t kKeySpace = 100'000;
constexpr size_t kKeyBytes = 8;
constexpr size_t kValueBytes = 256;
// Puts of the callgrind variant: a fixed workload, so that instruction counts compare.
constexpr int64_t kFixedPuts = 20'000;

// A store in a fresh temporary directory, removed afterwards, with an entry counter.
class ScratchStore {
public:
    ScratchStore() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keel-apply-bench-XXXXXX").string();
        KEEL_ASSERT(mkdtemp(pattern.data()) != nullptr);
        dir_ = pattern;
        auto store = MvccStore::Open(dir_ + "/kv", MvccStoreOptions{});
        KEEL_ASSERT(store.ok());
        store_ = *std::move(store);
    }

    ~ScratchStore() {
        store_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    ScratchStore(const ScratchStore&) = delete;
    ScratchStore& operator=(const ScratchStore&) = delete;

    void Put(std::string key, const std::string& value) {
        next_index_ = next_index_.Next();
        const ApplyResult<PutResponse> result = store_->ApplyPut(
            ApplyContext{.index = next_index_}, PutRequest{.key = std::move(key), .value = value});
        KEEL_ASSERT(result.response.ok());
        benchmark::DoNotOptimize(result.events.data());
    }

private:
    std::string dir_;
    std::unique_ptr<MvccStore> store_;
    Index next_index_;
};

std::string KeyOf(uint64_t n) {
    std::string key(kKeyBytes, '0');
    for (size_t i = kKeyBytes; i-- > 0 && n > 0; n /= 10) {
        key[i] = static_cast<char>('0' + n % 10);
    }
    return key;
}

// Fills the store with every key once, then applies random puts.
void RunPuts(benchmark::State& state) {
    ScratchStore store;
    const std::string value(kValueBytes, 'v');
    for (uint64_t n = 0; n < kKeySpace; ++n) {
        store.Put(KeyOf(n), value);
    }
    std::mt19937_64 rng(42);
    for (auto _ : state) {
        store.Put(KeyOf(rng() % kKeySpace), value);
    }
    state.SetItemsProcessed(state.iterations());
}

void BM_ApplyPut(benchmark::State& state) {
    RunPuts(state);
}

void BM_ApplyPutFixed(benchmark::State& state) {
    RunPuts(state);
}

BENCHMARK(BM_ApplyPut)->MeasureProcessCPUTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ApplyPutFixed)
    ->MeasureProcessCPUTime()
    ->Iterations(kFixedPuts)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace keel::kv

BENCHMARK_MAIN();
