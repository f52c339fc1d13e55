#include "server/checkpoint_archive.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/posix_file_system.h"

namespace keel::server {
namespace {

class CheckpointArchiveTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keel-archive-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        ASSERT_TRUE(fs_.CreateDir(dir_ + "/src").ok());
        ASSERT_TRUE(storage::WriteFileAtomically(fs_, dir_ + "/src/000010.sst", "sst bytes").ok());
        ASSERT_TRUE(storage::WriteFileAtomically(fs_, dir_ + "/src/CURRENT", "MANIFEST-1\n").ok());
        ASSERT_TRUE(storage::WriteFileAtomically(fs_, dir_ + "/src/empty", "").ok());
    }

    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string Pack() {
        auto archive = PackCheckpoint(fs_, dir_ + "/src", 1 << 20);
        EXPECT_TRUE(archive.ok()) << archive.status();
        return archive.ok() ? *archive : "";
    }

    storage::PosixFileSystem fs_;
    std::string dir_;
};

TEST_F(CheckpointArchiveTest, RoundTripsEveryFile) {
    const std::string archive = Pack();
    const auto summary = VerifyCheckpointArchive(archive);
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_EQ(summary->file_count, 3U);
    EXPECT_EQ(summary->data_bytes, 9U + 11U);
    ASSERT_TRUE(UnpackCheckpoint(fs_, archive, dir_ + "/dst").ok());
    for (const char* name : {"000010.sst", "CURRENT", "empty"}) {
        EXPECT_EQ(*storage::ReadWholeFile(fs_, dir_ + "/dst/" + name),
                  *storage::ReadWholeFile(fs_, dir_ + "/src/" + name))
            << name;
    }
}

TEST_F(CheckpointArchiveTest, FlippedByteIsDataLossAndWritesNothing) {
    std::string archive = Pack();
    const size_t at = archive.find("sst bytes");
    ASSERT_NE(at, std::string::npos);
    archive[at + 4] ^= 0x20;  // inside the first file's bytes
    const absl::Status status = UnpackCheckpoint(fs_, archive, dir_ + "/dst");
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
    EXPECT_NE(status.message().find("fails its checksum"), std::string::npos) << status;
    EXPECT_FALSE(fs_.Exists(dir_ + "/dst"));
}

TEST_F(CheckpointArchiveTest, TruncatedOrPaddedArchiveIsDataLoss) {
    const std::string archive = Pack();
    for (size_t cut = 0; cut < archive.size(); cut += 7) {
        EXPECT_EQ(VerifyCheckpointArchive(archive.substr(0, cut)).status().code(),
                  absl::StatusCode::kDataLoss)
            << cut;
    }
    EXPECT_EQ(VerifyCheckpointArchive(archive + "x").status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(CheckpointArchiveTest, NameOutsideTheDirectoryIsRefused) {
    std::string archive = Pack();
    // The first file's name "000010.sst" becomes "../0010.sst".
    const size_t at = archive.find("000010.sst");
    ASSERT_NE(at, std::string::npos);
    archive.replace(at, 3, "../");
    const absl::Status status = UnpackCheckpoint(fs_, archive, dir_ + "/dst");
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << status;
    EXPECT_NE(status.message().find("unsafe name"), std::string::npos) << status;
}

TEST_F(CheckpointArchiveTest, OversizedCheckpointIsRefused) {
    EXPECT_EQ(PackCheckpoint(fs_, dir_ + "/src", 16).status().code(),
              absl::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace keel::server
