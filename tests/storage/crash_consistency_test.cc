// Crash consistency on the real file system: a child process appends and syncs in a loop and
// reports each synced index through a pipe; the parent kills it with SIGKILL at a random
// moment (seeded), reopens the WAL, and checks that every reported index is there, intact,
// and that nothing else is but entries the child wrote. Thirty rounds share one directory, so
// each child also recovers from its predecessor's death.
#include <cerrno>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/rng.h"
#include "storage/posix_file_system.h"
#include "storage/wal.h"
#include "storage_test_util.h"

namespace keel::storage {
namespace {

constexpr uint64_t kSeed = 20261121;
constexpr int kRounds = 30;
constexpr uint64_t kReportsBeforeKillMax = 40;
constexpr WalOptions kOptions{.segment_bytes = 64 * 1024};

// The entry the child writes at `index`: its content is a function of the index, so the parent
// can tell a real entry from an invented or damaged one.
raft::Entry ExpectedEntry(uint64_t index) {
    std::string data = "entry " + std::to_string(index) + ":";
    data.append(static_cast<size_t>(index * 7919 % 700), static_cast<char>('a' + index % 26));
    return raft::Entry{.term = Term(1), .index = Index(index), .data = std::move(data)};
}

// The child: appends batches of 1..8 entries and syncs, forever. Never returns.
[[noreturn]] void RunChild(const std::string& dir, int report_fd, uint64_t seed) {
    PosixFileSystem fs;
    auto opened = Wal::Open(fs, dir, kOptions);
    if (!opened.ok()) {
        _exit(2);
    }
    std::unique_ptr<Wal> wal = std::move(opened->wal);
    base::Rng rng(seed);
    while (true) {
        std::vector<raft::Entry> batch;
        const uint64_t count = rng.Range(1, 8);
        for (uint64_t i = 0; i < count; ++i) {
            batch.push_back(ExpectedEntry(wal->last_index().value() + 1 + i));
        }
        if (!wal->Append(batch).ok() || !wal->Sync().ok()) {
            _exit(3);
        }
        const uint64_t synced = wal->synced_last_index().value();
        if (write(report_fd, &synced, sizeof(synced)) != sizeof(synced)) {
            _exit(4);
        }
    }
}

// Reads reports until `wanted` arrived or the pipe ended; returns the highest index seen.
uint64_t ReadReports(int fd, uint64_t wanted, uint64_t highest) {
    for (uint64_t seen = 0; seen < wanted; ++seen) {
        uint64_t synced = 0;
        const ssize_t n = read(fd, &synced, sizeof(synced));
        if (n != sizeof(synced)) {
            break;  // the child is gone
        }
        highest = std::max(highest, synced);
    }
    return highest;
}

TEST(WalCrashConsistency, EverySyncedIndexSurvivesSigkill) {
    std::cerr << "crash consistency seed " << kSeed << "\n";
    testing::TempDir temp;
    const std::string dir = JoinPath(temp.path(), "wal");
    base::Rng rng(kSeed);
    uint64_t reported = 0;
    for (int round = 0; round < kRounds; ++round) {
        int fds[2];
        ASSERT_EQ(pipe(fds), 0);
        const uint64_t child_seed = rng.Next();
        const pid_t child = fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            close(fds[0]);
            RunChild(dir, fds[1], child_seed);
        }
        close(fds[1]);
        reported = ReadReports(fds[0], rng.Range(1, kReportsBeforeKillMax), reported);
        std::this_thread::sleep_for(std::chrono::microseconds(rng.Uniform(3000)));
        ASSERT_EQ(kill(child, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFSIGNALED(status))
            << "round " << round << ": child exited with " << WEXITSTATUS(status);
        // Reports written before the kill still count: they were synced.
        reported = ReadReports(fds[0], UINT64_MAX, reported);
        close(fds[0]);

        PosixFileSystem fs;
        auto opened = Wal::Open(fs, dir, kOptions);
        ASSERT_TRUE(opened.ok()) << "round " << round << ": " << opened.status();
        const std::vector<raft::Entry>& entries = opened->contents.entries;
        ASSERT_GE(entries.size(), reported) << "round " << round << ": a synced entry is lost";
        for (size_t i = 0; i < entries.size(); ++i) {
            ASSERT_EQ(entries[i], ExpectedEntry(i + 1)) << "round " << round << ", index " << i + 1;
        }
    }
    EXPECT_GT(reported, uint64_t{kRounds});
}

}  // namespace
}  // namespace keel::storage
