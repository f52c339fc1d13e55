#include "storage/disk_fault_file_system.h"

#include <cerrno>
#include <chrono>
#include <fstream>

#include <gtest/gtest.h>

#include "storage/posix_file_system.h"
#include "storage_test_util.h"

namespace keel::storage {
namespace {

using Clock = std::chrono::steady_clock;

TEST(DiskFaultFileSystem, SyncWaitsForTheControlFilesDelayAndForwardsEverything) {
    testing::TempDir dir;
    const std::string control = JoinPath(dir.path(), "delay");
    DiskFaultFileSystem fs(std::make_unique<PosixFileSystem>(), control);
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

TEST(DiskFaultFileSystem, EioFailsEverySyncWithoutSyncingUntilTheControlFileChanges) {
    testing::TempDir dir;
    const std::string control = JoinPath(dir.path(), "fault");
    DiskFaultFileSystem fs(std::make_unique<PosixFileSystem>(), control);
    const std::string path = JoinPath(dir.path(), "f");
    auto file = fs.Open(path, OpenMode::kCreateNew);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->WriteAt(0, "hello").ok());

    std::ofstream(control) << "eio\n";
    const absl::Status synced = (*file)->Sync();
    EXPECT_FALSE(synced.ok());
    // The status a real failed fdatasync gets (absl::ErrnoToStatus), with strerror(EIO).
    EXPECT_EQ(synced.code(), absl::ErrnoToStatus(EIO, "").code()) << synced;
    EXPECT_NE(synced.message().find("Input/output error"), std::string::npos) << synced;
    EXPECT_NE(synced.message().find(path), std::string::npos) << synced;
    EXPECT_NE(synced.message().find("injected"), std::string::npos) << synced;
    EXPECT_FALSE(fs.SyncDir(dir.path()).ok());

    // Unknown words and a healed file sync normally.
    std::ofstream(control) << "slow\n";
    EXPECT_TRUE((*file)->Sync().ok());
    std::ofstream(control) << "0\n";
    EXPECT_TRUE((*file)->Sync().ok());
    EXPECT_TRUE(fs.SyncDir(dir.path()).ok());
}

}  // namespace
}  // namespace keel::storage
