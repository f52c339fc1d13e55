// SnapshotStore: snapshot files, each written whole under a temporary name and renamed into
// place, checksummed per chunk so that a corrupt byte is found and named before anything is
// installed from it.
//
// File format (docs/storage-format.md, "Snapshot files"):
//   file   := header meta chunk*
//   header := magic "KEELSNAP" | version:u32 | chunk_bytes:u32 | data_bytes:u64 |
//             meta_length:u32 | masked_crc32c:u32       (the CRC covers the header's first
//                                                        28 bytes and the meta)
//   meta   := the snapshot metadata as in a WAL snapshot marker (wal_format.h)
//   chunk  := masked_crc32c:u32 | data[min(chunk_bytes, what remains)]
// The file is exactly as long as these imply; anything shorter or longer is DataLoss.
//
// Recovery line (DESIGN.md): the newest valid snapshot plus the log after it. The WAL's
// snapshot marker names which snapshot that is; a snapshot is saved (durably) before its
// marker is written, and older snapshots are removed only after the marker is durable.
//
// Threading: a SnapshotStore holds no mutable state; its methods may run on any thread,
// concurrently with the WAL's appends (writing a snapshot never blocks the log). A
// SnapshotWriter is used by one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <absl/status/statusor.h>

#include "raft/types.h"
#include "storage/file_system.h"
#include "storage/limits.h"

namespace keel::storage {

inline constexpr char kSnapshotMagic[8] = {'K', 'E', 'E', 'L', 'S', 'N', 'A', 'P'};
inline constexpr uint32_t kSnapshotVersion = 1;
inline constexpr size_t kSnapshotHeaderBytes = 32;
inline constexpr size_t kChunkCrcBytes = 4;

struct SnapshotStoreOptions {
    uint32_t chunk_bytes = kSnapshotChunkBytesDefault;
};

// Streams one snapshot to a temporary file. Finish() makes it durable and visible; a writer
// destroyed before Finish() removes its temporary file. Created by SnapshotStore::Create; used
// by one thread.
//
// Invariant: between calls, chunk_.size() < chunk_bytes_ (a full chunk is written at once).
// Invariant: offset_ == header_and_meta_.size() + (chunk_bytes_ + 4) * (full chunks written).
class SnapshotWriter {
public:
    ~SnapshotWriter();
    SnapshotWriter(const SnapshotWriter&) = delete;
    SnapshotWriter& operator=(const SnapshotWriter&) = delete;

    // Appends snapshot data; full chunks are checksummed and written as they fill.
    [[nodiscard]] absl::Status Append(std::string_view data);

    // Writes the last chunk and the header, syncs, renames into place and syncs the directory.
    [[nodiscard]] absl::Status Finish();

private:
    friend class SnapshotStore;
    SnapshotWriter(FileSystem& fs,
                   std::string path,
                   std::unique_ptr<File> file,
                   std::string header_and_meta,
                   uint32_t chunk_bytes);

    absl::Status WriteChunk();

    FileSystem& fs_;
    const std::string path_;
    const std::string temp_path_;
    std::unique_ptr<File> file_;
    std::string header_and_meta_;  // the header with data_bytes still 0, and the meta
    const uint32_t chunk_bytes_;
    std::string chunk_;
    uint64_t offset_ = 0;  // where the next chunk goes
    uint64_t data_bytes_ = 0;
    bool finished_ = false;
};

// A snapshot file's identity, from its name.
struct SnapshotFileInfo {
    Index index;
    Term term;
    std::string path;
};

// The snapshot directory. Owned by the node's storage; see the file comment for threading.
//
// Invariant: a file under a final name (`snap-*.snap`) was completely written and synced
// before it was renamed to that name, and the rename was made durable (fsync dir).
class SnapshotStore {
public:
    // Opens (creating) the snapshot directory and removes half-written temporary files.
    static absl::StatusOr<std::unique_ptr<SnapshotStore>> Open(FileSystem& fs,
                                                               const std::string& dir,
                                                               const SnapshotStoreOptions& options);

    // Starts writing the snapshot `meta`. AlreadyExists if that snapshot is already stored.
    absl::StatusOr<std::unique_ptr<SnapshotWriter>> Create(const raft::SnapshotMeta& meta);

    // Writes a whole snapshot durably (Create + Append + Finish).
    [[nodiscard]] absl::Status Save(const raft::Snapshot& snapshot);

    // Reads and verifies the snapshot at (`index`, `term`). NotFound if there is none;
    // DataLoss naming the file, the chunk and its offset if a checksum or the length is wrong.
    absl::StatusOr<raft::Snapshot> Load(Index index, Term term);

    // The stored snapshots, oldest first (from the file names; not verified).
    absl::StatusOr<std::vector<SnapshotFileInfo>> List();

    // Removes every snapshot older than `index`, durably.
    [[nodiscard]] absl::Status RemoveOlderThan(Index index);

private:
    SnapshotStore(FileSystem& fs, std::string dir, const SnapshotStoreOptions& options)
        : fs_(fs), dir_(std::move(dir)), options_(options) {}

    FileSystem& fs_;
    const std::string dir_;
    const SnapshotStoreOptions options_;
};

// Verifies and decodes a whole snapshot file's bytes; `path` names it in errors.
absl::StatusOr<raft::Snapshot> DecodeSnapshotFile(std::string_view bytes, const std::string& path);

}  // namespace keel::storage
