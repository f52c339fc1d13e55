#include "server/checkpoint_sender.h"

#include <chrono>
#include <filesystem>

#include <absl/strings/str_format.h>
#include <spdlog/spdlog.h>

#include "base/assert.h"
#include "server/checkpoint_archive.h"

namespace keel::server {

CheckpointSender::CheckpointSender(storage::FileSystem& fs,
                                   std::string work_dir,
                                   uint64_t archive_bytes_max,
                                   CheckpointSenderHooks hooks)
    : fs_(fs),
      work_dir_(std::move(work_dir)),
      archive_bytes_max_(archive_bytes_max),
      hooks_(std::move(hooks)),
      thread_([this] { Run(); }) {
    KEEL_ASSERT(hooks_.create_checkpoint != nullptr);
    KEEL_ASSERT(hooks_.send != nullptr);
    KEEL_ASSERT(hooks_.failed != nullptr);
}

CheckpointSender::~CheckpointSender() {
    Stop();
}

void CheckpointSender::Stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        queue_.clear();
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

void CheckpointSender::Enqueue(raft::Message message) {
    KEEL_ASSERT(message.type == raft::MessageType::kSnapshot && message.snapshot.has_value());
    const NodeId to = message.to;
    {
        std::lock_guard lock(mu_);
        if (!stopping_ && queue_.size() < kCheckpointsQueuedMax) {
            queue_.push_back(std::move(message));
            cv_.notify_one();
            return;
        }
    }
    hooks_.failed(to);
}

void CheckpointSender::Run() {
    for (;;) {
        raft::Message message;
        {
            std::unique_lock lock(mu_);
            cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                return;
            }
            message = std::move(queue_.front());
            queue_.pop_front();
        }
        Ship(std::move(message));
    }
}

void CheckpointSender::Ship(raft::Message message) {
    const auto started = std::chrono::steady_clock::now();
    const std::string dir =
        absl::StrFormat("%s/sending-%016x-%d", work_dir_, message.to.value(), shipped_++);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    absl::Status status = fs_.CreateDir(work_dir_);
    absl::StatusOr<std::string> archive = absl::InternalError("no checkpoint");
    if (status.ok()) {
        status = hooks_.create_checkpoint(dir);
    }
    if (status.ok()) {
        archive = PackCheckpoint(fs_, dir, archive_bytes_max_);
        status = archive.status();
    }
    std::filesystem::remove_all(dir, ignored);
    if (!status.ok()) {
        spdlog::error(
            "cannot prepare a snapshot for member {:x}: {}", message.to.value(), status.ToString());
        hooks_.failed(message.to);
        return;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    spdlog::info(
        "sending snapshot at index {} to member {:x}: a checkpoint of {} bytes, packed in {} ms",
        message.snapshot->meta.index.value(),
        message.to.value(),
        archive->size(),
        elapsed.count());
    message.snapshot->data = *std::move(archive);
    hooks_.send(std::move(message));
}

}  // namespace keel::server
