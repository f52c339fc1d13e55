#include "storage/slow_sync_file_system.h"

#include <chrono>
#include <fstream>
#include <thread>

namespace keel::storage {
namespace {

// The longest delay a control file can ask for, so that a typo cannot hang a process.
constexpr int kDelayMsMax = 10'000;

class SlowSyncFile final : public File {
public:
    SlowSyncFile(std::unique_ptr<File> base, const SlowSyncFileSystem& fs)
        : base_(std::move(base)), fs_(fs) {}

    absl::Status WriteAt(uint64_t offset, std::string_view data) override {
        return base_->WriteAt(offset, data);
    }

    absl::Status ReadAt(uint64_t offset, size_t size, std::string* out) override {
        return base_->ReadAt(offset, size, out);
    }

    absl::Status Sync() override {
        fs_.Delay();
        return base_->Sync();
    }

    absl::Status Preallocate(uint64_t size) override { return base_->Preallocate(size); }

    absl::Status Truncate(uint64_t size) override { return base_->Truncate(size); }

    absl::StatusOr<uint64_t> Size() override { return base_->Size(); }

private:
    std::unique_ptr<File> base_;
    const SlowSyncFileSystem& fs_;
};

}  // namespace

void SlowSyncFileSystem::Delay() const {
    std::ifstream in(delay_file_);
    int delay_ms = 0;
    if (!(in >> delay_ms) || delay_ms <= 0) {
        return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(delay_ms, kDelayMsMax)));
}

absl::StatusOr<std::unique_ptr<File>> SlowSyncFileSystem::Open(const std::string& path,
                                                               OpenMode mode) {
    absl::StatusOr<std::unique_ptr<File>> file = base_->Open(path, mode);
    if (!file.ok()) {
        return file.status();
    }
    return std::unique_ptr<File>(std::make_unique<SlowSyncFile>(*std::move(file), *this));
}

absl::Status SlowSyncFileSystem::SyncDir(const std::string& dir) {
    Delay();
    return base_->SyncDir(dir);
}

}  // namespace keel::storage
