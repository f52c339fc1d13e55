#include "storage/posix_file_system.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>

#include <absl/strings/str_cat.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/assert.h"

namespace keel::storage {
namespace {

absl::Status ErrnoStatus(int error_number, absl::string_view op, absl::string_view path) {
    return absl::ErrnoToStatus(error_number, absl::StrCat(op, " ", path));
}

// An open descriptor, closed on destruction. Writes loop over short writes and EINTR.
class PosixFile final : public File {
public:
    PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

    ~PosixFile() override { ::close(fd_); }

    PosixFile(const PosixFile&) = delete;
    PosixFile& operator=(const PosixFile&) = delete;

    absl::Status WriteAt(uint64_t offset, std::string_view data) override {
        while (!data.empty()) {
            const ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(offset));
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return ErrnoStatus(errno, "pwrite", path_);
            }
            KEEL_ASSERT(static_cast<size_t>(n) <= data.size());
            data.remove_prefix(static_cast<size_t>(n));
            offset += static_cast<uint64_t>(n);
        }
        return absl::OkStatus();
    }

    absl::Status ReadAt(uint64_t offset, size_t size, std::string* out) override {
        out->resize(size);
        size_t done = 0;
        while (done < size) {
            const ssize_t n =
                ::pread(fd_, out->data() + done, size - done, static_cast<off_t>(offset + done));
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return ErrnoStatus(errno, "pread", path_);
            }
            if (n == 0) {
                break;  // end of file
            }
            done += static_cast<size_t>(n);
        }
        out->resize(done);
        return absl::OkStatus();
    }

    absl::Status Sync() override {
        if (::fdatasync(fd_) != 0) {
            return ErrnoStatus(errno, "fdatasync", path_);
        }
        return absl::OkStatus();
    }

    absl::Status Preallocate(uint64_t size) override {
        // posix_fallocate returns the error number instead of setting errno.
        const int rc = ::posix_fallocate(fd_, 0, static_cast<off_t>(size));
        if (rc != 0) {
            return ErrnoStatus(rc, "fallocate", path_);
        }
        return absl::OkStatus();
    }

    absl::Status Truncate(uint64_t size) override {
        if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
            return ErrnoStatus(errno, "ftruncate", path_);
        }
        return absl::OkStatus();
    }

    absl::StatusOr<uint64_t> Size() override {
        struct stat st {};

        if (::fstat(fd_, &st) != 0) {
            return ErrnoStatus(errno, "fstat", path_);
        }
        return static_cast<uint64_t>(st.st_size);
    }

private:
    const int fd_;
    const std::string path_;
};

int OpenFlags(OpenMode mode) {
    switch (mode) {
        case OpenMode::kReadOnly:
            return O_RDONLY;
        case OpenMode::kReadWrite:
            return O_RDWR;
        case OpenMode::kCreateNew:
            return O_RDWR | O_CREAT | O_EXCL;
    }
    KEEL_UNREACHABLE();
}

}  // namespace

absl::StatusOr<std::unique_ptr<File>> PosixFileSystem::Open(const std::string& path,
                                                            OpenMode mode) {
    const int fd = ::open(path.c_str(), OpenFlags(mode) | O_CLOEXEC, 0644);
    if (fd < 0) {
        return ErrnoStatus(errno, "open", path);
    }
    return std::make_unique<PosixFile>(fd, path);
}

absl::Status PosixFileSystem::Rename(const std::string& from, const std::string& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) {
        return ErrnoStatus(errno, "rename", absl::StrCat(from, " -> ", to));
    }
    return absl::OkStatus();
}

absl::Status PosixFileSystem::Remove(const std::string& path) {
    if (::unlink(path.c_str()) != 0) {
        return ErrnoStatus(errno, "unlink", path);
    }
    return absl::OkStatus();
}

absl::Status PosixFileSystem::CreateDir(const std::string& path) {
    std::error_code error;
    std::filesystem::create_directories(path, error);
    if (error) {
        return ErrnoStatus(error.value(), "mkdir", path);
    }
    return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& dir) {
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) {
        return ErrnoStatus(errno, "opendir", dir);
    }
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(handle)) {
        if (entry->d_type == DT_REG) {
            names.emplace_back(entry->d_name);
        }
    }
    ::closedir(handle);
    std::sort(names.begin(), names.end());
    return names;
}

absl::Status PosixFileSystem::SyncDir(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return ErrnoStatus(errno, "open", dir);
    }
    const int rc = ::fsync(fd);
    const int fsync_errno = errno;
    ::close(fd);
    if (rc != 0) {
        return ErrnoStatus(fsync_errno, "fsync", dir);
    }
    return absl::OkStatus();
}

absl::StatusOr<uint64_t> PosixFileSystem::FileSize(const std::string& path) {
    struct stat st {};

    if (::stat(path.c_str(), &st) != 0) {
        return ErrnoStatus(errno, "stat", path);
    }
    return static_cast<uint64_t>(st.st_size);
}

bool PosixFileSystem::Exists(const std::string& path) {
    struct stat st {};

    return ::stat(path.c_str(), &st) == 0;
}

}  // namespace keel::storage
