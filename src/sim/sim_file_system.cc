#include "sim/sim_file_system.h"

#include <algorithm>
#include <cerrno>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "base/status.h"

namespace keel::sim {

const char* FsOpName(FsOp op) {
    switch (op) {
        case FsOp::kOpen:
            return "open";
        case FsOp::kWrite:
            return "write";
        case FsOp::kRead:
            return "read";
        case FsOp::kSync:
            return "sync";
        case FsOp::kPreallocate:
            return "preallocate";
        case FsOp::kTruncate:
            return "truncate";
        case FsOp::kRename:
            return "rename";
        case FsOp::kRemove:
            return "remove";
        case FsOp::kSyncDir:
            return "syncdir";
        case FsOp::kListDir:
            return "listdir";
    }
    KEEL_UNREACHABLE();
}

// One unsynced operation on a file: a write of `data` at `offset`, or a resize to `size`.
struct PendingOp {
    bool is_write = false;
    uint64_t offset = 0;
    std::string data;
    uint64_t size = 0;
};

struct SimFileSystem::Inode {
    std::string data;     // what reads see now
    std::string durable;  // what survives a crash
    std::vector<PendingOp> pending;
};

namespace {

void ApplyOp(const PendingOp& op, std::string* contents) {
    if (!op.is_write) {
        contents->resize(op.size, '\0');
        return;
    }
    if (contents->size() < op.offset + op.data.size()) {
        contents->resize(op.offset + op.data.size(), '\0');
    }
    contents->replace(op.offset, op.data.size(), op.data);
}

}  // namespace

// Whether an operation changes a file (and so needs a writable handle).
enum class Access : uint8_t {
    kRead = 0,
    kWrite = 1,
};

// A handle on an inode, valid until the next Crash().
class SimFileSystem::SimFile final : public storage::File {
public:
    SimFile(SimFileSystem* fs, std::shared_ptr<Inode> inode, std::string path, Access access)
        : fs_(fs),
          inode_(std::move(inode)),
          path_(std::move(path)),
          access_(access),
          epoch_(fs->epoch_) {}

    absl::Status WriteAt(uint64_t offset, std::string_view data) override {
        std::lock_guard lock(fs_->mu_);
        KEEL_RETURN_IF_ERROR(CheckLocked(FsOp::kWrite, data.size(), Access::kWrite));
        return fs_->WriteLocked(*inode_, offset, data);
    }

    absl::Status ReadAt(uint64_t offset, size_t size, std::string* out) override {
        std::lock_guard lock(fs_->mu_);
        KEEL_RETURN_IF_ERROR(CheckLocked(FsOp::kRead, size, Access::kRead));
        out->clear();
        if (offset < inode_->data.size()) {
            *out = inode_->data.substr(offset, size);
        }
        return absl::OkStatus();
    }

    absl::Status Sync() override {
        std::lock_guard lock(fs_->mu_);
        KEEL_RETURN_IF_ERROR(CheckLocked(FsOp::kSync, inode_->data.size(), Access::kRead));
        inode_->durable = inode_->data;
        inode_->pending.clear();
        ++fs_->sync_count_;
        return absl::OkStatus();
    }

    absl::Status Preallocate(uint64_t size) override {
        std::lock_guard lock(fs_->mu_);
        KEEL_RETURN_IF_ERROR(CheckLocked(FsOp::kPreallocate, size, Access::kWrite));
        if (size <= inode_->data.size()) {
            return absl::OkStatus();
        }
        return fs_->ResizeLocked(*inode_, size, FsOp::kPreallocate);
    }

    absl::Status Truncate(uint64_t size) override {
        std::lock_guard lock(fs_->mu_);
        KEEL_RETURN_IF_ERROR(CheckLocked(FsOp::kTruncate, size, Access::kWrite));
        return fs_->ResizeLocked(*inode_, size, FsOp::kTruncate);
    }

    absl::StatusOr<uint64_t> Size() override {
        std::lock_guard lock(fs_->mu_);
        KEEL_RETURN_IF_ERROR(CheckLocked(FsOp::kRead, 0, Access::kRead));
        return inode_->data.size();
    }

private:
    absl::Status CheckLocked(FsOp op, uint64_t bytes, Access access) {
        if (epoch_ != fs_->epoch_) {
            return absl::FailedPreconditionError(
                absl::StrCat(path_, ": handle opened before a crash"));
        }
        if (access == Access::kWrite && access_ != Access::kWrite) {
            return absl::ErrnoToStatus(EBADF, absl::StrCat(FsOpName(op), " ", path_));
        }
        return fs_->Admit(op, path_, bytes);
    }

    SimFileSystem* const fs_;
    const std::shared_ptr<Inode> inode_;
    const std::string path_;
    const Access access_;
    const uint64_t epoch_;
};

SimFileSystem::SimFileSystem(uint64_t seed) : rng_(seed) {
    dirs_.insert("/");
}

SimFileSystem::~SimFileSystem() = default;

absl::Status SimFileSystem::Admit(FsOp op, const std::string& path, uint64_t bytes) {
    if (latency_) {
        elapsed_ticks_ += latency_(op, bytes);
    }
    for (size_t i = 0; i < rules_.size(); ++i) {
        const FaultRule& rule = rules_[i];
        if (rule.op != op || !absl::StrContains(path, rule.path_contains)) {
            continue;
        }
        const uint64_t seen = rule_seen_[i]++;
        if (seen >= rule.skip && seen - rule.skip < rule.count) {
            return absl::ErrnoToStatus(rule.error_number,
                                       absl::StrCat(FsOpName(op), " ", path, " (injected)"));
        }
    }
    const auto random = random_faults_.find(op);
    if (random != random_faults_.end() && random->second.numerator > 0
        && rng_.Chance(random->second.numerator, random->second.denominator)) {
        return absl::ErrnoToStatus(random->second.error_number,
                                   absl::StrCat(FsOpName(op), " ", path, " (injected)"));
    }
    return absl::OkStatus();
}

uint64_t SimFileSystem::UsedBytesLocked() const {
    uint64_t used = 0;
    for (const auto& [name, inode] : files_) {
        used += inode->data.size();
    }
    return used;
}

absl::Status SimFileSystem::WriteLocked(Inode& inode, uint64_t offset, std::string_view data) {
    std::string_view accepted = data;
    const uint64_t end = offset + data.size();
    if (capacity_bytes_ != 0 && end > inode.data.size()) {
        const uint64_t used = UsedBytesLocked();
        const uint64_t room = capacity_bytes_ > used ? capacity_bytes_ - used : 0;
        const uint64_t growth = end - std::max<uint64_t>(offset, inode.data.size());
        if (growth > room) {
            // Write what fits, as a real file system does on ENOSPC.
            const uint64_t fits_end = std::max<uint64_t>(offset, inode.data.size()) + room;
            accepted = data.substr(0, fits_end > offset ? fits_end - offset : 0);
        }
    }
    if (!accepted.empty()) {
        PendingOp op{.is_write = true, .offset = offset, .data = std::string(accepted)};
        ApplyOp(op, &inode.data);
        inode.pending.push_back(std::move(op));
    }
    if (accepted.size() < data.size()) {
        return absl::ErrnoToStatus(ENOSPC, "write: no space left on the simulated disk");
    }
    return absl::OkStatus();
}

absl::Status SimFileSystem::ResizeLocked(Inode& inode, uint64_t size, FsOp op) {
    if (capacity_bytes_ != 0 && size > inode.data.size()) {
        const uint64_t used = UsedBytesLocked();
        if (used + (size - inode.data.size()) > capacity_bytes_) {
            return absl::ErrnoToStatus(ENOSPC, absl::StrCat(FsOpName(op), ": disk full"));
        }
    }
    PendingOp pending{.is_write = false, .size = size};
    ApplyOp(pending, &inode.data);
    inode.pending.push_back(std::move(pending));
    return absl::OkStatus();
}

SimFileSystem::Inode* SimFileSystem::FindLocked(const std::string& path) {
    const auto it = files_.find(path);
    return it == files_.end() ? nullptr : it->second.get();
}

absl::StatusOr<std::unique_ptr<storage::File>> SimFileSystem::Open(const std::string& path,
                                                                   storage::OpenMode mode) {
    std::lock_guard lock(mu_);
    KEEL_RETURN_IF_ERROR(Admit(FsOp::kOpen, path, 0));
    auto it = files_.find(path);
    if (mode == storage::OpenMode::kCreateNew) {
        if (it != files_.end()) {
            return absl::ErrnoToStatus(EEXIST, absl::StrCat("open ", path));
        }
        if (!dirs_.contains(storage::DirName(path))) {
            return absl::ErrnoToStatus(ENOENT, absl::StrCat("open ", path, ": no directory"));
        }
        it = files_.emplace(path, std::make_shared<Inode>()).first;
    } else if (it == files_.end()) {
        return absl::ErrnoToStatus(ENOENT, absl::StrCat("open ", path));
    }
    const Access access = mode == storage::OpenMode::kReadOnly ? Access::kRead : Access::kWrite;
    return std::make_unique<SimFile>(this, it->second, path, access);
}

absl::Status SimFileSystem::Rename(const std::string& from, const std::string& to) {
    std::lock_guard lock(mu_);
    KEEL_RETURN_IF_ERROR(Admit(FsOp::kRename, from, 0));
    const auto it = files_.find(from);
    if (it == files_.end()) {
        return absl::ErrnoToStatus(ENOENT, absl::StrCat("rename ", from));
    }
    std::shared_ptr<Inode> inode = it->second;
    files_.erase(it);
    files_[to] = std::move(inode);
    return absl::OkStatus();
}

absl::Status SimFileSystem::Remove(const std::string& path) {
    std::lock_guard lock(mu_);
    KEEL_RETURN_IF_ERROR(Admit(FsOp::kRemove, path, 0));
    if (files_.erase(path) == 0) {
        return absl::ErrnoToStatus(ENOENT, absl::StrCat("unlink ", path));
    }
    return absl::OkStatus();
}

absl::Status SimFileSystem::CreateDir(const std::string& path) {
    std::lock_guard lock(mu_);
    std::string dir = path;
    while (!dir.empty() && dir != "/" && dir != ".") {
        dirs_.insert(dir);
        dir = storage::DirName(dir);
    }
    dirs_.insert(".");
    return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> SimFileSystem::ListDir(const std::string& dir) {
    std::lock_guard lock(mu_);
    KEEL_RETURN_IF_ERROR(Admit(FsOp::kListDir, dir, 0));
    if (!dirs_.contains(dir)) {
        return absl::ErrnoToStatus(ENOENT, absl::StrCat("opendir ", dir));
    }
    std::vector<std::string> names;  // files_ is ordered, so names come out sorted
    for (const auto& [path, inode] : files_) {
        if (storage::DirName(path) == dir) {
            names.push_back(path.substr(path.rfind('/') + 1));
        }
    }
    return names;
}

absl::Status SimFileSystem::SyncDir(const std::string& dir) {
    std::lock_guard lock(mu_);
    KEEL_RETURN_IF_ERROR(Admit(FsOp::kSyncDir, dir, 0));
    if (!dirs_.contains(dir)) {
        return absl::ErrnoToStatus(ENOENT, absl::StrCat("fsync ", dir));
    }
    std::erase_if(durable_files_,
                  [&](const auto& entry) { return storage::DirName(entry.first) == dir; });
    for (const auto& [path, inode] : files_) {
        if (storage::DirName(path) == dir) {
            durable_files_[path] = inode;
        }
    }
    return absl::OkStatus();
}

absl::StatusOr<uint64_t> SimFileSystem::FileSize(const std::string& path) {
    std::lock_guard lock(mu_);
    const Inode* inode = FindLocked(path);
    if (inode == nullptr) {
        return absl::ErrnoToStatus(ENOENT, absl::StrCat("stat ", path));
    }
    return inode->data.size();
}

bool SimFileSystem::Exists(const std::string& path) {
    std::lock_guard lock(mu_);
    return FindLocked(path) != nullptr || dirs_.contains(path);
}

void SimFileSystem::TearLocked(Inode& inode) {
    std::string contents = inode.durable;
    const uint64_t kept = rng_.Uniform(inode.pending.size() + 1);
    for (uint64_t i = 0; i < kept; ++i) {
        ApplyOp(inode.pending[i], &contents);
    }
    if (kept < inode.pending.size() && inode.pending[kept].is_write) {
        PendingOp torn = inode.pending[kept];
        torn.data.resize(rng_.Uniform(torn.data.size() + 1));
        ApplyOp(torn, &contents);
    }
    inode.data = std::move(contents);
}

void SimFileSystem::Crash(CrashMode mode) {
    std::lock_guard lock(mu_);
    ++epoch_;
    files_ = durable_files_;
    for (auto& [path, inode] : files_) {
        if (mode == CrashMode::kTear) {
            TearLocked(*inode);
        } else {
            inode->data = inode->durable;
        }
        // What survived the crash is what the disk now holds.
        inode->durable = inode->data;
        inode->pending.clear();
    }
}

absl::Status SimFileSystem::FlipBit(const std::string& path, uint64_t offset, int bit) {
    KEEL_ASSERT(bit >= 0 && bit < 8);
    std::lock_guard lock(mu_);
    Inode* inode = FindLocked(path);
    if (inode == nullptr) {
        return absl::NotFoundError(path);
    }
    if (offset >= inode->data.size()) {
        return absl::OutOfRangeError(absl::StrCat(path, ": offset ", offset, " past the end"));
    }
    inode->data[offset] = static_cast<char>(inode->data[offset] ^ (1 << bit));
    if (offset < inode->durable.size()) {
        inode->durable[offset] = static_cast<char>(inode->durable[offset] ^ (1 << bit));
    }
    return absl::OkStatus();
}

absl::Status SimFileSystem::ZeroRange(const std::string& path, uint64_t offset, uint64_t size) {
    std::lock_guard lock(mu_);
    Inode* inode = FindLocked(path);
    if (inode == nullptr) {
        return absl::NotFoundError(path);
    }
    if (offset + size > inode->data.size()) {
        return absl::OutOfRangeError(absl::StrCat(path, ": range past the end"));
    }
    inode->data.replace(offset, size, size, '\0');
    if (offset < inode->durable.size()) {
        const uint64_t durable_size = std::min<uint64_t>(size, inode->durable.size() - offset);
        inode->durable.replace(offset, durable_size, durable_size, '\0');
    }
    return absl::OkStatus();
}

void SimFileSystem::InjectFault(FaultRule rule) {
    std::lock_guard lock(mu_);
    rules_.push_back(std::move(rule));
    rule_seen_.push_back(0);
}

void SimFileSystem::SetFaultChance(FsOp op,
                                   int error_number,
                                   uint64_t numerator,
                                   uint64_t denominator) {
    KEEL_ASSERT(denominator > 0);
    std::lock_guard lock(mu_);
    random_faults_[op] = RandomFault{error_number, numerator, denominator};
}

void SimFileSystem::ClearFaults() {
    std::lock_guard lock(mu_);
    rules_.clear();
    rule_seen_.clear();
    random_faults_.clear();
}

void SimFileSystem::SetCapacityBytes(uint64_t bytes) {
    std::lock_guard lock(mu_);
    capacity_bytes_ = bytes;
}

void SimFileSystem::SetLatency(LatencyFn latency) {
    std::lock_guard lock(mu_);
    latency_ = std::move(latency);
}

uint64_t SimFileSystem::elapsed_ticks() const {
    std::lock_guard lock(mu_);
    return elapsed_ticks_;
}

uint64_t SimFileSystem::unsynced_bytes() const {
    std::lock_guard lock(mu_);
    uint64_t bytes = 0;
    for (const auto& [path, inode] : files_) {
        for (const PendingOp& op : inode->pending) {
            bytes += op.data.size();
        }
    }
    return bytes;
}

uint64_t SimFileSystem::sync_count() const {
    std::lock_guard lock(mu_);
    return sync_count_;
}

}  // namespace keel::sim
