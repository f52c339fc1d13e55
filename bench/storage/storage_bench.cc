// storage_bench: how close group commit gets to the disk's limit.
//
// For 1, 8, 64 and 512 concurrent proposers, each of which proposes a 256-byte entry and waits
// until it is durable, in a loop, it prints entries/s, MB/s, fdatasyncs/s and the average batch
// (entries per sync). Next to it, measured in the same run right before each row, is the raw
// limit of the disk: a plain loop of one 256-byte write plus fdatasync. The last column is
//     entries/s / (raw syncs/s * average batch)
// which is 1.0 when every group-commit sync costs no more than a raw one.
//
//   storage_bench [--dir DIR] [--seconds S]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/assert.h"
#include "storage/group_committer.h"
#include "storage/posix_file_system.h"

namespace keel::storage {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kEntryBytes = 256;
constexpr int kProposerCounts[] = {1, 8, 64, 512};

double Seconds(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

// The raw limit: one small write and one fdatasync, in a loop, on a preallocated file.
double RawSyncsPerSecond(FileSystem& fs, const std::string& dir, double seconds) {
    const std::string path = JoinPath(dir, "raw.dat");
    auto file = fs.Open(path, OpenMode::kCreateNew);
    KEEL_ASSERT(file.ok());
    constexpr uint64_t kFileBytes = 64 * 1024 * 1024;
    KEEL_ASSERT((*file)->Preallocate(kFileBytes).ok());
    const std::string block(kEntryBytes, 'r');
    uint64_t syncs = 0;
    const Clock::time_point start = Clock::now();
    while (Seconds(Clock::now() - start) < seconds) {
        KEEL_ASSERT((*file)->WriteAt((syncs * kEntryBytes) % kFileBytes, block).ok());
        KEEL_ASSERT((*file)->Sync().ok());
        ++syncs;
    }
    const double rate = static_cast<double>(syncs) / Seconds(Clock::now() - start);
    file->reset();
    KEEL_ASSERT(fs.Remove(path).ok());
    return rate;
}

struct Result {
    double entries_per_second = 0;
    double megabytes_per_second = 0;
    double syncs_per_second = 0;
    double average_batch = 0;
};

Result RunGroupCommit(FileSystem& fs, const std::string& dir, int proposers, double seconds) {
    auto opened = Wal::Open(fs, dir, WalOptions{});
    KEEL_ASSERT_MSG(opened.ok(), "%s", opened.status().ToString());
    GroupCommitter committer(std::move(opened->wal), {});
    std::atomic<bool> stop = false;
    std::vector<std::thread> threads;
    const Clock::time_point start = Clock::now();
    for (int p = 0; p < proposers; ++p) {
        threads.emplace_back([&] {
            while (!stop.load(std::memory_order_relaxed)) {
                auto submitted = committer.Propose(Term(1), std::string(kEntryBytes, 'e'));
                KEEL_ASSERT(submitted.ok());
                KEEL_ASSERT(committer.WaitDurable(submitted->ticket).ok());
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (std::thread& thread : threads) {
        thread.join();
    }
    const double elapsed = Seconds(Clock::now() - start);
    const GroupCommitStats stats = committer.stats();
    Result result;
    result.entries_per_second = static_cast<double>(stats.entries) / elapsed;
    result.megabytes_per_second = static_cast<double>(stats.entry_bytes) / elapsed / 1e6;
    result.syncs_per_second = static_cast<double>(stats.syncs) / elapsed;
    result.average_batch = static_cast<double>(stats.entries) / static_cast<double>(stats.syncs);
    return result;
}

int Main(const std::string& base_dir, double seconds) {
    PosixFileSystem fs;
    const std::string dir = JoinPath(base_dir, "keel-storage-bench");
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    KEEL_ASSERT(fs.CreateDir(dir).ok());
    // The disk's rate drifts (other tenants, write-back), so the raw limit is measured again
    // right before each row and the ratio uses that row's own measurement.
    std::printf("| proposers | raw syncs/s | entries/s | MB/s | syncs/s | avg batch | ratio |\n");
    std::printf("|---:|---:|---:|---:|---:|---:|---:|\n");
    for (const int proposers : kProposerCounts) {
        const double raw = RawSyncsPerSecond(fs, dir, seconds);
        const std::string wal_dir = JoinPath(dir, "wal-" + std::to_string(proposers));
        const Result r = RunGroupCommit(fs, wal_dir, proposers, seconds);
        const double ratio = r.entries_per_second / (raw * r.average_batch);
        std::printf("| %d | %.0f | %.0f | %.2f | %.0f | %.1f | %.2f |\n",
                    proposers,
                    raw,
                    r.entries_per_second,
                    r.megabytes_per_second,
                    r.syncs_per_second,
                    r.average_batch,
                    ratio);
        std::fflush(stdout);
        std::filesystem::remove_all(wal_dir, ignored);
    }
    std::filesystem::remove_all(dir, ignored);
    return 0;
}

}  // namespace
}  // namespace keel::storage

int main(int argc, char** argv) {
    CLI::App app("storage_bench: group commit against the raw fdatasync rate");
    std::string dir = "/tmp";
    double seconds = 3;
    app.add_option("--dir", dir, "where to put the files (a directory on the disk to measure)");
    app.add_option("--seconds", seconds, "duration of each measurement");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);  // CLI11 reports usage errors by exception; keel does not throw
    }
    return keel::storage::Main(dir, seconds);
}
