#include "server/backup_file.h"

#include <gtest/gtest.h>

namespace keel::server {
namespace {

TEST(BackupFile, SealedFileHasEtcdsShapeAndVerifies) {
    for (const size_t size : {0, 1, 479, 480, 512, 4000}) {
        const std::string sealed = SealBackup(std::string(size, 'a'));
        // etcdctl 3.5+ checks exactly this before it keeps a download.
        EXPECT_EQ(sealed.size() % 512, 32U) << size;
        EXPECT_GE(sealed.size(), size + 32) << size;
        EXPECT_TRUE(VerifyBackup(sealed).ok()) << size;
    }
}

TEST(BackupFile, FlippedByteOrWrongSizeIsDataLoss) {
    std::string sealed = SealBackup("a checkpoint archive");
    sealed[3] ^= 1;
    EXPECT_EQ(VerifyBackup(sealed).code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(VerifyBackup(SealBackup("x") + "y").code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace keel::server
