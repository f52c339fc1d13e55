#include "storage/posix_file_system.h"

#include <gtest/gtest.h>

#include "storage_test_util.h"

namespace keel::storage {
namespace {

TEST(PosixFileSystem, WriteReadSyncAndSize) {
    testing::TempDir dir;
    PosixFileSystem fs;
    const std::string path = JoinPath(dir.path(), "f");
    auto file = fs.Open(path, OpenMode::kCreateNew);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->WriteAt(0, "hello").ok());
    ASSERT_TRUE((*file)->WriteAt(5, ", world").ok());
    ASSERT_TRUE((*file)->Sync().ok());
    std::string out;
    ASSERT_TRUE((*file)->ReadAt(7, 100, &out).ok());
    EXPECT_EQ(out, "world");
    EXPECT_EQ(*(*file)->Size(), 12U);
    EXPECT_TRUE(absl::IsAlreadyExists(fs.Open(path, OpenMode::kCreateNew).status()));
    EXPECT_TRUE(absl::IsNotFound(fs.Open(path + "x", OpenMode::kReadOnly).status()));
}

TEST(PosixFileSystem, PreallocateZeroFillsAndTruncateCuts) {
    testing::TempDir dir;
    PosixFileSystem fs;
    const std::string path = JoinPath(dir.path(), "f");
    auto file = fs.Open(path, OpenMode::kCreateNew);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(0, "abc").ok());
    ASSERT_TRUE((*file)->Preallocate(4096).ok());
    EXPECT_EQ(*fs.FileSize(path), 4096U);
    std::string out;
    ASSERT_TRUE((*file)->ReadAt(0, 8, &out).ok());
    EXPECT_EQ(out, std::string("abc\0\0\0\0\0", 8));
    ASSERT_TRUE((*file)->Truncate(2).ok());
    EXPECT_EQ(*fs.FileSize(path), 2U);
}

TEST(PosixFileSystem, DirectoryOperations) {
    testing::TempDir dir;
    PosixFileSystem fs;
    const std::string sub = JoinPath(dir.path(), "a/b");
    ASSERT_TRUE(fs.CreateDir(sub).ok());
    ASSERT_TRUE(fs.CreateDir(sub).ok());  // idempotent
    ASSERT_TRUE(WriteFileAtomically(fs, JoinPath(sub, "y"), "1").ok());
    ASSERT_TRUE(WriteFileAtomically(fs, JoinPath(sub, "x"), "2").ok());
    ASSERT_TRUE(WriteFileAtomically(fs, JoinPath(sub, "x"), "3").ok());
    EXPECT_EQ(*fs.ListDir(sub), (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(*ReadWholeFile(fs, JoinPath(sub, "x")), "3");
    ASSERT_TRUE(fs.Rename(JoinPath(sub, "x"), JoinPath(sub, "z")).ok());
    ASSERT_TRUE(fs.Remove(JoinPath(sub, "y")).ok());
    ASSERT_TRUE(fs.SyncDir(sub).ok());
    EXPECT_EQ(*fs.ListDir(sub), (std::vector<std::string>{"z"}));
    EXPECT_FALSE(fs.Exists(JoinPath(sub, "y")));
}

TEST(FileSystemPaths, JoinAndDirName) {
    EXPECT_EQ(JoinPath("/a", "b"), "/a/b");
    EXPECT_EQ(JoinPath("/a/", "b"), "/a/b");
    EXPECT_EQ(DirName("/a/b"), "/a");
    EXPECT_EQ(DirName("/b"), "/");
    EXPECT_EQ(DirName("b"), ".");
}

}  // namespace
}  // namespace keel::storage
