// SlowSyncFileSystem: a FileSystem wrapper for fault injection on real processes (keeld's
// --debug-fsync-delay-file, driven by the chaos harness): before every File::Sync and SyncDir
// it reads a delay in milliseconds from a control file and sleeps that long, then calls the
// wrapped file system. No control file, or a file that does not hold a number, means no
// delay, so the harness can make a disk slow and fast again while the process runs.
//
// Everything else is forwarded unchanged; the durability contract is the wrapped one's.
// Threading: as thread-safe as the wrapped FileSystem.
#pragma once

#include <memory>
#include <string>

#include "storage/file_system.h"

namespace keel::storage {

class SlowSyncFileSystem final : public FileSystem {
public:
    SlowSyncFileSystem(std::shared_ptr<FileSystem> base, std::string delay_file)
        : base_(std::move(base)), delay_file_(std::move(delay_file)) {}

    absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override;

    absl::Status Rename(const std::string& from, const std::string& to) override {
        return base_->Rename(from, to);
    }

    absl::Status Remove(const std::string& path) override { return base_->Remove(path); }

    absl::Status CreateDir(const std::string& path) override { return base_->CreateDir(path); }

    absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override {
        return base_->ListDir(dir);
    }

    absl::Status SyncDir(const std::string& dir) override;

    absl::StatusOr<uint64_t> FileSize(const std::string& path) override {
        return base_->FileSize(path);
    }

    bool Exists(const std::string& path) override { return base_->Exists(path); }

    // Sleeps for the delay the control file names now (0 if none).
    void Delay() const;

private:
    std::shared_ptr<FileSystem> base_;
    std::string delay_file_;
};

}  // namespace keel::storage
