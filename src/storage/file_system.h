// FileSystem: the narrow seam between keel's durable storage and the disk.
//
// The WAL, the snapshot store and their tests reach the disk only through this interface. It
// has two implementations: PosixFileSystem (posix_file_system.h) for keeld and the tools, and
// SimFileSystem (src/sim/sim_file_system.h) for the simulator, which loses unsynced writes on
// a crash, tears the last one, flips bits and injects EIO/ENOSPC.
//
// Durability contract, the same for both implementations (and the one POSIX gives):
//   - bytes written to a File are durable only after File::Sync() returns OK;
//   - a created, renamed or removed directory entry is durable only after SyncDir() on its
//     parent directory returns OK;
//   - a failed Sync() leaves the durable contents unknown; it must not be retried (the
//     kernel may have dropped the dirty pages, see "fsyncgate", PostgreSQL 2018). The caller
//     treats it as fatal.
//
// Errors: every operation returns absl::Status with the code absl::ErrnoToStatus gives for the
// errno (ENOSPC is ResourceExhausted, EIO is Unavailable, ENOENT is NotFound), so callers can
// tell a full disk from a broken one.
//
// Threading: a FileSystem may be used from several threads at once; a File is used by one
// thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

namespace keel::storage {

// One open file, positioned by explicit offsets (pread/pwrite), never by a cursor.
class File {
public:
    virtual ~File() = default;

    // Writes all of `data` at `offset`, extending the file if needed. A failure may leave any
    // prefix of `data` written.
    [[nodiscard]] virtual absl::Status WriteAt(uint64_t offset, std::string_view data) = 0;

    // Reads up to `size` bytes at `offset` into `out` (resized to what was read; shorter only
    // at the end of the file).
    [[nodiscard]] virtual absl::Status ReadAt(uint64_t offset, size_t size, std::string* out) = 0;

    // Makes the file's data (and the size, if it changed) durable: fdatasync(2).
    [[nodiscard]] virtual absl::Status Sync() = 0;

    // Reserves disk space so that the file is at least `size` bytes long, zero-filled:
    // fallocate(2). Fails with ResourceExhausted when the disk is full.
    [[nodiscard]] virtual absl::Status Preallocate(uint64_t size) = 0;

    // Sets the file's length to `size`, dropping or zero-extending its end: ftruncate(2).
    [[nodiscard]] virtual absl::Status Truncate(uint64_t size) = 0;

    [[nodiscard]] virtual absl::StatusOr<uint64_t> Size() = 0;
};

enum class OpenMode : uint8_t {
    kReadOnly = 0,   // the file must exist
    kReadWrite = 1,  // the file must exist
    kCreateNew = 2,  // the file must not exist; opened read-write
};

class FileSystem {
public:
    virtual ~FileSystem() = default;

    [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<File>> Open(const std::string& path,
                                                                     OpenMode mode) = 0;

    // Atomically replaces `to` with `from` (rename(2)). Durable after SyncDir(parent).
    [[nodiscard]] virtual absl::Status Rename(const std::string& from, const std::string& to) = 0;

    // Removes a file. Durable after SyncDir(parent).
    [[nodiscard]] virtual absl::Status Remove(const std::string& path) = 0;

    // Creates a directory and any missing parents; OK if it already exists.
    [[nodiscard]] virtual absl::Status CreateDir(const std::string& path) = 0;

    // The names (not paths) of the regular files in `dir`, sorted.
    [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> ListDir(
        const std::string& dir) = 0;

    // Makes the directory's entries (creations, renames, removals) durable: fsync(2) on it.
    [[nodiscard]] virtual absl::Status SyncDir(const std::string& dir) = 0;

    [[nodiscard]] virtual absl::StatusOr<uint64_t> FileSize(const std::string& path) = 0;

    [[nodiscard]] virtual bool Exists(const std::string& path) = 0;
};

// "dir/name", with exactly one separator.
std::string JoinPath(std::string_view dir, std::string_view name);

// The directory part of `path` ("." when there is none).
std::string DirName(std::string_view path);

// Reads the whole file at `path`.
[[nodiscard]] absl::StatusOr<std::string> ReadWholeFile(FileSystem& fs, const std::string& path);

// Writes `data` to `path` atomically and durably: a temporary file is written and synced,
// renamed over `path`, and the directory is synced. After a crash, `path` holds either its
// old contents or `data`, never a mix.
[[nodiscard]] absl::Status WriteFileAtomically(FileSystem& fs,
                                               const std::string& path,
                                               std::string_view data);

}  // namespace keel::storage
