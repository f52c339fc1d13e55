#include "storage/disk_fault_file_system.h"

#include <cerrno>
#include <chrono>
#include <fstream>
#include <thread>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>

namespace keel::storage {
namespace {

// The longest delay a control file can ask for, so that a typo cannot hang a process.
constexpr int kDelayMsMax = 10'000;

class DiskFaultFile final : public File {
public:
    DiskFaultFile(std::unique_ptr<File> base, std::string path, const DiskFaultFileSystem& fs)
        : base_(std::move(base)), path_(std::move(path)), fs_(fs) {}

    absl::Status WriteAt(uint64_t offset, std::string_view data) override {
        return base_->WriteAt(offset, data);
    }

    absl::Status ReadAt(uint64_t offset, size_t size, std::string* out) override {
        return base_->ReadAt(offset, size, out);
    }

    absl::Status Sync() override {
        if (absl::Status fault = fs_.BeforeSync(path_); !fault.ok()) {
            return fault;
        }
        return base_->Sync();
    }

    absl::Status Preallocate(uint64_t size) override { return base_->Preallocate(size); }

    absl::Status Truncate(uint64_t size) override { return base_->Truncate(size); }

    absl::StatusOr<uint64_t> Size() override { return base_->Size(); }

private:
    std::unique_ptr<File> base_;
    std::string path_;
    const DiskFaultFileSystem& fs_;
};

}  // namespace

absl::Status DiskFaultFileSystem::BeforeSync(const std::string& path) const {
    std::ifstream in(control_file_);
    std::string word;
    if (!(in >> word)) {
        return absl::OkStatus();
    }
    if (word == "eio") {
        return absl::ErrnoToStatus(
            EIO, absl::StrCat("fsync ", path, " (injected by ", control_file_, ")"));
    }
    int delay_ms = 0;
    if (absl::SimpleAtoi(word, &delay_ms) && delay_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(delay_ms, kDelayMsMax)));
    }
    return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<File>> DiskFaultFileSystem::Open(const std::string& path,
                                                                OpenMode mode) {
    absl::StatusOr<std::unique_ptr<File>> file = base_->Open(path, mode);
    if (!file.ok()) {
        return file.status();
    }
    return std::unique_ptr<File>(std::make_unique<DiskFaultFile>(*std::move(file), path, *this));
}

absl::Status DiskFaultFileSystem::SyncDir(const std::string& dir) {
    if (absl::Status fault = BeforeSync(dir); !fault.ok()) {
        return fault;
    }
    return base_->SyncDir(dir);
}

}  // namespace keel::storage
