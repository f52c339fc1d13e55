#include "storage/slow_sync_file_system.h"

#include <chrono>
#include <fstream>

#include <gtest/gtest.h>

#include "storage/posix_file_system.h"
#include "storage_test_util.h"

namespace keel::storage {
namespace {

using Clock = std::chrono::steady_clock;

TEST(SlowSyncFileSystem, SyncWaitsForTheControlFilesDelayAndForwardsEverything) {
    testing::TempDir dir;
    const std::string control = JoinPath(dir.path(), "delay");
    SlowSyncFileSystem fs(std::make_unique<PosixFileSystem>(), control);
    auto file = fs.Open(JoinPath(dir.path(), "f"), OpenMode::kCreateNew);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->WriteAt(0, "hello").ok());

    // No control file: no delay.
    auto start = Clock::now();
    ASSERT_TRUE((*file)->Sync().ok());
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(200));

    std::ofstream(control) << 250;
    start = Clock::now();
    ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE(fs.SyncDir(dir.path()).ok());
    EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(500));

    std::ofstream(control) << 0;
    start = Clock::now();
    ASSERT_TRUE((*file)->Sync().ok());
    EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(200));

    std::string out;
    ASSERT_TRUE((*file)->ReadAt(0, 5, &out).ok());
    EXPECT_EQ(out, "hello");
    EXPECT_TRUE(fs.Exists(JoinPath(dir.path(), "f")));
}

}  // namespace
}  // namespace keel::storage
