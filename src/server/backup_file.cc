#include "server/backup_file.h"

#include <cstring>

#include <absl/strings/str_cat.h>
#include <openssl/evp.h>

#include "base/assert.h"

namespace keel::server {
namespace {

std::string Sha256(std::string_view bytes) {
    std::string digest(EVP_MAX_MD_SIZE, '\0');
    unsigned int length = 0;
    KEEL_ASSERT(EVP_Digest(bytes.data(),
                           bytes.size(),
                           reinterpret_cast<unsigned char*>(digest.data()),
                           &length,
                           EVP_sha256(),
                           nullptr)
                == 1);
    KEEL_ASSERT(length == kBackupSha256Bytes);
    digest.resize(length);
    return digest;
}

}  // namespace

std::string SealBackup(std::string archive) {
    archive.resize((archive.size() + kBackupAlignBytes - 1) / kBackupAlignBytes * kBackupAlignBytes,
                   '\0');
    archive.append(Sha256(archive));
    KEEL_ASSERT(archive.size() % kBackupAlignBytes == kBackupSha256Bytes);
    return archive;
}

absl::Status VerifyBackup(std::string_view backup) {
    if (backup.size() % kBackupAlignBytes != kBackupSha256Bytes) {
        return absl::DataLossError(
            absl::StrCat("backup: size ", backup.size(), " is not 32 past a multiple of 512"));
    }
    const std::string_view body = backup.substr(0, backup.size() - kBackupSha256Bytes);
    if (Sha256(body) != backup.substr(body.size())) {
        return absl::DataLossError("backup: the SHA-256 trailer does not match");
    }
    return absl::OkStatus();
}

}  // namespace keel::server
