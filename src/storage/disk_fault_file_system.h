// DiskFaultFileSystem: a FileSystem wrapper for disk faults on real processes (keeld's
// --debug-fsync-delay-file, driven by the chaos harness). Before every File::Sync and SyncDir
// it reads a control file:
//   - a number: sleep that many milliseconds, then sync (a slow disk);
//   - the word `eio`: fail the sync with EIO without calling the wrapped file system (a disk
//     that fails writes back);
//   - anything else, or no file: sync normally.
// The harness rewrites the file while the process runs to make the disk slow, failing or
// healthy again. The control file is read per sync, so a fault starts at the next sync.
//
// Everything else is forwarded unchanged; the durability contract is the wrapped one's.
// Threading: as thread-safe as the wrapped FileSystem.
#pragma once

#include <memory>
#include <string>

#include "storage/file_system.h"

namespace keel::storage {

class DiskFaultFileSystem final : public FileSystem {
public:
    DiskFaultFileSystem(std::shared_ptr<FileSystem> base, std::string control_file)
        : base_(std::move(base)), control_file_(std::move(control_file)) {}

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

    // Applies the fault the control file names now to a sync of `path`: sleeps for a delay
    // and returns OK, or returns the injected EIO.
    absl::Status BeforeSync(const std::string& path) const;

private:
    std::shared_ptr<FileSystem> base_;
    std::string control_file_;
};

}  // namespace keel::storage
