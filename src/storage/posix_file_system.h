// PosixFileSystem: the FileSystem seam over POSIX system calls (pread/pwrite, fdatasync,
// fallocate, rename, fsync on directories). Stateless and thread-safe; one instance may be
// shared by every user in a process.
#pragma once

#include "storage/file_system.h"

namespace keel::storage {

class PosixFileSystem final : public FileSystem {
public:
    absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;
    absl::Status Rename(const std::string& from, const std::string& to) override;
    absl::Status Remove(const std::string& path) override;
    absl::Status CreateDir(const std::string& path) override;
    absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override;
    absl::Status SyncDir(const std::string& dir) override;
    absl::StatusOr<uint64_t> FileSize(const std::string& path) override;
    bool Exists(const std::string& path) override;
};

}  // namespace keel::storage
