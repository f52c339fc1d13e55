// The bytes a leader ships to bring a lagging follower up to date: every file of a RocksDB
// checkpoint (kv::MvccStore::CreateCheckpoint), each with its own CRC32C.
//
// The transport already checksums every chunk in flight (transport/peer_transport.h); the
// per-file checksum here checks the assembled whole again before anything reaches the disk,
// so a bug in assembly or a flipped byte in memory is caught, not installed.
//
// Format (docs/server.md, "Snapshots"), integers little-endian:
//   archive := magic "KEELCKPT" | version:u32 | file_count:u32 | file*
//   file    := name_length:u32 | name | size:u64 | masked_crc32c:u32 | bytes[size]
// Names are plain file names (no '/', not "." or ".."), strictly increasing, so a peer
// cannot write outside the target directory or name a file twice.
//
// Threading: free functions with no shared state; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <absl/status/statusor.h>

#include "storage/file_system.h"

namespace keel::server {

inline constexpr char kCheckpointArchiveMagic[8] = {'K', 'E', 'E', 'L', 'C', 'K', 'P', 'T'};
inline constexpr uint32_t kCheckpointArchiveVersion = 1;
// The most files one archive may name (a RocksDB checkpoint holds a handful plus its SSTs).
inline constexpr uint32_t kCheckpointArchiveFilesMax = 100000;

// Reads every regular file in `dir` into one archive. Errors: the file system's; OutOfRange
// if the archive would exceed `bytes_max`.
absl::StatusOr<std::string> PackCheckpoint(storage::FileSystem& fs,
                                           const std::string& dir,
                                           uint64_t bytes_max);

// Verifies the whole archive first (framing, names, every checksum), then writes its files
// into `dir` (created; must hold none of them), syncs each file and the directory. Errors:
// DataLoss for a bad archive (nothing is written), the file system's otherwise.
absl::Status UnpackCheckpoint(storage::FileSystem& fs,
                              std::string_view archive,
                              const std::string& dir);

// What the archive holds, verified: the number of files and their total bytes.
struct CheckpointArchiveSummary {
    uint32_t file_count = 0;
    uint64_t data_bytes = 0;
};

// Verifies the archive without writing anything. Errors: DataLoss saying what is wrong.
absl::StatusOr<CheckpointArchiveSummary> VerifyCheckpointArchive(std::string_view archive);

// The length of the archive at the start of `bytes` (which may go on after it, e.g. with a
// backup file's padding), every file verified. Errors: DataLoss saying what is wrong.
absl::StatusOr<size_t> CheckpointArchiveBytes(std::string_view bytes);

}  // namespace keel::server
