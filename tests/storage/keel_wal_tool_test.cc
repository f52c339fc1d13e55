// Runs the keel-wal binary on WALs written by the storage library.
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "storage/posix_file_system.h"
#include "storage/wal.h"
#include "storage_test_util.h"

namespace keel::storage {
namespace {

struct RunResult {
    int exit_code = -1;
    std::string output;
};

RunResult RunKeelWal(const std::string& args) {
    const std::string command = std::string(KEEL_WAL_BINARY) + " " + args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    RunResult result;
    char buffer[4096];
    size_t n = 0;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
        result.output.append(buffer, n);
    }
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

class KeelWalToolTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto opened = Wal::Open(fs_, dir(), {.segment_bytes = 4096});
        ASSERT_TRUE(opened.ok()) << opened.status();
        ASSERT_TRUE(opened->wal->Append(testing::MakeEntries(1, 40, 2, 100)).ok());
        ASSERT_TRUE(opened->wal->SaveHardState({.term = Term(2), .commit = Index(40)}).ok());
        ASSERT_TRUE(opened->wal->Sync().ok());
    }

    std::string dir() const { return JoinPath(temp_.path(), "wal"); }

    std::string FirstSegment() const {
        return JoinPath(dir(), SegmentFileName({.sequence = 1, .first_index = Index(1)}));
    }

    testing::TempDir temp_;
    PosixFileSystem fs_;
};

TEST_F(KeelWalToolTest, VerifyAcceptsASoundLog) {
    const RunResult result = RunKeelWal("verify " + dir());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("entries 1..40"), std::string::npos) << result.output;
}

TEST_F(KeelWalToolTest, DumpPrintsEveryRecord) {
    const RunResult result = RunKeelWal("dump " + dir());
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(result.output.find("index=40 term=2"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("hardstate term=2 voted_for=0 commit=40"), std::string::npos)
        << result.output;
}

TEST_F(KeelWalToolTest, VerifyNamesTheFileAndOffsetOfACorruption) {
    {
        std::fstream file(FirstSegment(), std::ios::in | std::ios::out | std::ios::binary);
        file.seekp(kSegmentHeaderBytes + 200);
        file.put('\x5a');
    }
    const RunResult result = RunKeelWal("verify " + dir());
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find(FirstSegment() + " at offset 190"), std::string::npos)
        << result.output;
}

TEST_F(KeelWalToolTest, UsageErrorExitsNonZero) {
    EXPECT_NE(RunKeelWal("frobnicate").exit_code, 0);
}

}  // namespace
}  // namespace keel::storage
