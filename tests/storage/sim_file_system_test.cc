#include "sim/sim_file_system.h"

#include <cerrno>
#include <string>

#include <gtest/gtest.h>

namespace keel::sim {
namespace {

using storage::File;
using storage::OpenMode;

constexpr char kDir[] = "/d";

std::string Contents(SimFileSystem& fs, const std::string& path) {
    auto file = fs.Open(path, OpenMode::kReadOnly);
    EXPECT_TRUE(file.ok()) << file.status();
    std::string out;
    EXPECT_TRUE((*file)->ReadAt(0, 1 << 20, &out).ok());
    return out;
}

// Creates `path` with `data`, the file synced and its directory entry durable.
void CreateDurable(SimFileSystem& fs, const std::string& path, const std::string& data) {
    auto file = fs.Open(path, OpenMode::kCreateNew);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(0, data).ok());
    ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE(fs.SyncDir(kDir).ok());
}

class SimFileSystemTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(fs_.CreateDir(kDir).ok()); }

    SimFileSystem fs_{42};
};

TEST_F(SimFileSystemTest, UnsyncedWriteIsLostOnCrash) {
    CreateDurable(fs_, "/d/f", "synced");
    auto file = fs_.Open("/d/f", OpenMode::kReadWrite);
    ASSERT_TRUE((*file)->WriteAt(6, "-unsynced").ok());
    EXPECT_EQ(Contents(fs_, "/d/f"), "synced-unsynced");
    EXPECT_EQ(fs_.unsynced_bytes(), 9U);
    fs_.Crash(CrashMode::kDropUnsynced);
    EXPECT_EQ(Contents(fs_, "/d/f"), "synced");
    EXPECT_EQ(fs_.unsynced_bytes(), 0U);
}

TEST_F(SimFileSystemTest, SyncedWriteSurvivesCrash) {
    CreateDurable(fs_, "/d/f", "a");
    auto file = fs_.Open("/d/f", OpenMode::kReadWrite);
    ASSERT_TRUE((*file)->WriteAt(1, "b").ok());
    ASSERT_TRUE((*file)->Sync().ok());
    fs_.Crash(CrashMode::kTear);
    EXPECT_EQ(Contents(fs_, "/d/f"), "ab");
}

TEST_F(SimFileSystemTest, CreatedFileWithoutDirSyncVanishes) {
    auto file = fs_.Open("/d/f", OpenMode::kCreateNew);
    ASSERT_TRUE((*file)->WriteAt(0, "data").ok());
    ASSERT_TRUE((*file)->Sync().ok());  // the data is durable, the name is not
    fs_.Crash(CrashMode::kDropUnsynced);
    EXPECT_FALSE(fs_.Exists("/d/f"));
}

TEST_F(SimFileSystemTest, RenameIsDurableOnlyAfterDirSync) {
    CreateDurable(fs_, "/d/old", "x");
    ASSERT_TRUE(fs_.Rename("/d/old", "/d/new").ok());
    fs_.Crash(CrashMode::kDropUnsynced);
    EXPECT_TRUE(fs_.Exists("/d/old"));
    EXPECT_FALSE(fs_.Exists("/d/new"));

    ASSERT_TRUE(fs_.Rename("/d/old", "/d/new").ok());
    ASSERT_TRUE(fs_.SyncDir(kDir).ok());
    fs_.Crash(CrashMode::kDropUnsynced);
    EXPECT_FALSE(fs_.Exists("/d/old"));
    EXPECT_EQ(Contents(fs_, "/d/new"), "x");
}

TEST_F(SimFileSystemTest, RemoveIsDurableOnlyAfterDirSync) {
    CreateDurable(fs_, "/d/f", "x");
    ASSERT_TRUE(fs_.Remove("/d/f").ok());
    EXPECT_FALSE(fs_.Exists("/d/f"));
    fs_.Crash(CrashMode::kDropUnsynced);
    EXPECT_TRUE(fs_.Exists("/d/f"));
}

TEST_F(SimFileSystemTest, TearKeepsAPrefixOfTheUnsyncedWrites) {
    // Over many seeds, what survives is always the synced part followed by a prefix of the
    // unsynced writes, and both extremes occur.
    const std::string unsynced = "0123456789abcdefghij";
    bool saw_none = false;
    bool saw_partial = false;
    for (uint64_t seed = 1; seed <= 200; ++seed) {
        SimFileSystem fs(seed);
        ASSERT_TRUE(fs.CreateDir(kDir).ok());
        CreateDurable(fs, "/d/f", "S");
        auto file = fs.Open("/d/f", OpenMode::kReadWrite);
        ASSERT_TRUE((*file)->WriteAt(1, unsynced.substr(0, 10)).ok());
        ASSERT_TRUE((*file)->WriteAt(11, unsynced.substr(10)).ok());
        fs.Crash(CrashMode::kTear);
        const std::string after = Contents(fs, "/d/f");
        ASSERT_GE(after.size(), 1U) << "seed " << seed;
        EXPECT_EQ(after, ("S" + unsynced).substr(0, after.size())) << "seed " << seed;
        saw_none |= after.size() == 1;
        saw_partial |= after.size() > 1 && after.size() < 1 + unsynced.size();
    }
    EXPECT_TRUE(saw_none);
    EXPECT_TRUE(saw_partial);
}

TEST_F(SimFileSystemTest, SameSeedTearsTheSameWay) {
    auto run = [](uint64_t seed) {
        SimFileSystem fs(seed);
        EXPECT_TRUE(fs.CreateDir(kDir).ok());
        CreateDurable(fs, "/d/f", "");
        auto file = fs.Open("/d/f", OpenMode::kReadWrite);
        EXPECT_TRUE((*file)->WriteAt(0, std::string(1000, 'x')).ok());
        fs.Crash(CrashMode::kTear);
        return Contents(fs, "/d/f").size();
    };
    for (uint64_t seed = 1; seed <= 20; ++seed) {
        EXPECT_EQ(run(seed), run(seed)) << "seed " << seed;
    }
}

TEST_F(SimFileSystemTest, HandlesFromBeforeACrashAreDead) {
    CreateDurable(fs_, "/d/f", "x");
    auto file = fs_.Open("/d/f", OpenMode::kReadWrite);
    fs_.Crash(CrashMode::kDropUnsynced);
    EXPECT_TRUE(absl::IsFailedPrecondition((*file)->WriteAt(0, "y")));
    EXPECT_TRUE(absl::IsFailedPrecondition((*file)->Sync()));
}

TEST_F(SimFileSystemTest, FlipBitCorruptsDurableContents) {
    CreateDurable(fs_, "/d/f", "A");
    ASSERT_TRUE(fs_.FlipBit("/d/f", 0, 1).ok());
    EXPECT_EQ(Contents(fs_, "/d/f"), "C");
    fs_.Crash(CrashMode::kDropUnsynced);
    EXPECT_EQ(Contents(fs_, "/d/f"), "C");
    EXPECT_TRUE(absl::IsOutOfRange(fs_.FlipBit("/d/f", 1, 0)));
}

TEST_F(SimFileSystemTest, InjectedFaultFailsTheNthMatchingOperation) {
    CreateDurable(fs_, "/d/f", "");
    fs_.InjectFault(FaultRule{.op = FsOp::kSync, .error_number = EIO, .skip = 1, .count = 1});
    auto file = fs_.Open("/d/f", OpenMode::kReadWrite);
    EXPECT_TRUE((*file)->Sync().ok());
    const absl::Status failed = (*file)->Sync();
    EXPECT_EQ(failed.code(), absl::ErrnoToStatusCode(EIO)) << failed;
    EXPECT_TRUE((*file)->Sync().ok());
}

TEST_F(SimFileSystemTest, FaultRuleMatchesByPath) {
    CreateDurable(fs_, "/d/a", "");
    CreateDurable(fs_, "/d/b", "");
    fs_.InjectFault(FaultRule{.op = FsOp::kWrite, .error_number = EIO, .path_contains = "/b"});
    auto a = fs_.Open("/d/a", OpenMode::kReadWrite);
    auto b = fs_.Open("/d/b", OpenMode::kReadWrite);
    EXPECT_TRUE((*a)->WriteAt(0, "x").ok());
    EXPECT_FALSE((*b)->WriteAt(0, "x").ok());
}

TEST_F(SimFileSystemTest, FullDiskWritesWhatFitsAndFailsWithEnospc) {
    fs_.SetCapacityBytes(10);
    auto file = fs_.Open("/d/f", OpenMode::kCreateNew);
    const absl::Status status = (*file)->WriteAt(0, std::string(16, 'x'));
    EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
    EXPECT_EQ(Contents(fs_, "/d/f"), std::string(10, 'x'));
    EXPECT_TRUE(absl::IsResourceExhausted((*file)->Preallocate(11)));
    EXPECT_TRUE((*file)->WriteAt(0, "y").ok());  // overwriting needs no new space
}

TEST_F(SimFileSystemTest, RandomFaultsAreDeterministicPerSeed) {
    auto failures = [](uint64_t seed) {
        SimFileSystem fs(seed);
        EXPECT_TRUE(fs.CreateDir(kDir).ok());
        auto file = fs.Open("/d/f", OpenMode::kCreateNew);
        fs.SetFaultChance(FsOp::kWrite, EIO, 1, 4);
        std::string pattern;
        for (int i = 0; i < 64; ++i) {
            pattern.push_back((*file)->WriteAt(0, "x").ok() ? '.' : 'F');
        }
        return pattern;
    };
    EXPECT_EQ(failures(7), failures(7));
    EXPECT_NE(failures(7).find('F'), std::string::npos);
    EXPECT_NE(failures(7).find('.'), std::string::npos);
}

TEST_F(SimFileSystemTest, LatencyIsChargedInVirtualTicks) {
    fs_.SetLatency([](FsOp op, uint64_t bytes) { return op == FsOp::kSync ? 100 : bytes; });
    auto file = fs_.Open("/d/f", OpenMode::kCreateNew);
    ASSERT_TRUE((*file)->WriteAt(0, "12345").ok());
    ASSERT_TRUE((*file)->Sync().ok());
    EXPECT_EQ(fs_.elapsed_ticks(), 105U);
    EXPECT_EQ(fs_.sync_count(), 1U);
}

TEST_F(SimFileSystemTest, ListDirIsSortedAndScoped) {
    CreateDurable(fs_, "/d/b", "");
    CreateDurable(fs_, "/d/a", "");
    ASSERT_TRUE(fs_.CreateDir("/d/sub").ok());
    auto nested = fs_.Open("/d/sub/c", OpenMode::kCreateNew);
    ASSERT_TRUE(nested.ok());
    auto names = fs_.ListDir(kDir);
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace keel::sim
