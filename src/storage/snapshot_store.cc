#include "storage/snapshot_store.h"

#include <cstring>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/crc32c.h"
#include "base/status.h"
#include "storage/coding.h"
#include "storage/wal_format.h"

namespace keel::storage {
namespace {

constexpr size_t kHeaderCoveredBytes = 28;  // everything in the header before its CRC
constexpr char kSnapshotSuffix[] = ".snap";

std::string SnapshotFileName(Index index, Term term) {
    return absl::StrFormat("snap-%016x-%016x%s", index.value(), term.value(), kSnapshotSuffix);
}

std::optional<SnapshotFileInfo> ParseSnapshotFileName(const std::string& dir,
                                                      const std::string& name) {
    unsigned long long index = 0;
    unsigned long long term = 0;
    char suffix[8] = {};
    if (name.size() != 5 + 16 + 1 + 16 + 5
        || std::sscanf(name.c_str(), "snap-%16llx-%16llx%5s", &index, &term, suffix) != 3
        || std::strcmp(suffix, kSnapshotSuffix) != 0) {
        return std::nullopt;
    }
    if (name != SnapshotFileName(Index(index), Term(term))) {
        return std::nullopt;  // not canonical (e.g. upper-case hex)
    }
    return SnapshotFileInfo{Index(index), Term(term), JoinPath(dir, name)};
}

// The header with the given data size, followed by the meta, CRC filled in.
std::string EncodeHeader(uint32_t chunk_bytes, uint64_t data_bytes, std::string_view meta) {
    std::string out(kSnapshotMagic, sizeof(kSnapshotMagic));
    PutFixed32(&out, kSnapshotVersion);
    PutFixed32(&out, chunk_bytes);
    PutFixed64(&out, data_bytes);
    PutFixed32(&out, static_cast<uint32_t>(meta.size()));
    KEEL_ASSERT(out.size() == kHeaderCoveredBytes);
    const uint32_t crc = base::Crc32c(meta, base::Crc32c(out));
    PutFixed32(&out, base::MaskCrc(crc));
    KEEL_ASSERT(out.size() == kSnapshotHeaderBytes);
    out.append(meta);
    return out;
}

absl::Status SnapshotDataLoss(const std::string& path, uint64_t offset, absl::string_view what) {
    return absl::DataLossError(absl::StrCat(path, " at offset ", offset, ": ", what));
}

}  // namespace

SnapshotWriter::SnapshotWriter(FileSystem& fs,
                               std::string path,
                               std::unique_ptr<File> file,
                               std::string header_and_meta,
                               uint32_t chunk_bytes)
    : fs_(fs),
      path_(std::move(path)),
      temp_path_(absl::StrCat(path_, ".tmp")),
      file_(std::move(file)),
      header_and_meta_(std::move(header_and_meta)),
      chunk_bytes_(chunk_bytes),
      offset_(header_and_meta_.size()) {
    chunk_.reserve(chunk_bytes_);
}

SnapshotWriter::~SnapshotWriter() {
    if (!finished_) {
        file_.reset();
        fs_.Remove(temp_path_).IgnoreError();  // an abandoned snapshot; Open cleans up too
    }
}

absl::Status SnapshotWriter::WriteChunk() {
    std::string framed;
    framed.reserve(kChunkCrcBytes + chunk_.size());
    PutFixed32(&framed, base::MaskCrc(base::Crc32c(chunk_)));
    framed.append(chunk_);
    KEEL_RETURN_IF_ERROR(file_->WriteAt(offset_, framed));
    offset_ += framed.size();
    chunk_.clear();
    return absl::OkStatus();
}

absl::Status SnapshotWriter::Append(std::string_view data) {
    KEEL_ASSERT(!finished_);
    data_bytes_ += data.size();
    while (!data.empty()) {
        const size_t take = std::min<size_t>(data.size(), chunk_bytes_ - chunk_.size());
        chunk_.append(data.substr(0, take));
        data.remove_prefix(take);
        if (chunk_.size() == chunk_bytes_) {
            KEEL_RETURN_IF_ERROR(WriteChunk());
        }
    }
    return absl::OkStatus();
}

absl::Status SnapshotWriter::Finish() {
    KEEL_ASSERT(!finished_);
    if (!chunk_.empty()) {
        KEEL_RETURN_IF_ERROR(WriteChunk());
    }
    const std::string_view meta = std::string_view(header_and_meta_).substr(kSnapshotHeaderBytes);
    KEEL_RETURN_IF_ERROR(file_->WriteAt(0, EncodeHeader(chunk_bytes_, data_bytes_, meta)));
    KEEL_RETURN_IF_ERROR(file_->Sync());
    file_.reset();
    KEEL_RETURN_IF_ERROR(fs_.Rename(temp_path_, path_));
    finished_ = true;
    return fs_.SyncDir(DirName(path_));
}

absl::StatusOr<std::unique_ptr<SnapshotStore>> SnapshotStore::Open(
    FileSystem& fs, const std::string& dir, const SnapshotStoreOptions& options) {
    if (options.chunk_bytes == 0) {
        return absl::InvalidArgumentError("chunk_bytes must be positive");
    }
    KEEL_RETURN_IF_ERROR(fs.CreateDir(dir));
    KEEL_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs.ListDir(dir));
    bool removed = false;
    for (const std::string& name : names) {
        if (absl::EndsWith(name, ".snap.tmp")) {
            KEEL_RETURN_IF_ERROR(fs.Remove(JoinPath(dir, name)));
            removed = true;
        }
    }
    if (removed) {
        KEEL_RETURN_IF_ERROR(fs.SyncDir(dir));
    }
    return std::unique_ptr<SnapshotStore>(new SnapshotStore(fs, dir, options));
}

absl::StatusOr<std::unique_ptr<SnapshotWriter>> SnapshotStore::Create(
    const raft::SnapshotMeta& meta) {
    const std::string path = JoinPath(dir_, SnapshotFileName(meta.index, meta.term));
    if (fs_.Exists(path)) {
        return absl::AlreadyExistsError(path);
    }
    const std::string temp = absl::StrCat(path, ".tmp");
    if (fs_.Exists(temp)) {
        KEEL_RETURN_IF_ERROR(fs_.Remove(temp));
    }
    KEEL_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs_.Open(temp, OpenMode::kCreateNew));
    std::string header = EncodeHeader(options_.chunk_bytes, 0, EncodeSnapshotMeta(meta));
    return std::unique_ptr<SnapshotWriter>(
        new SnapshotWriter(fs_, path, std::move(file), std::move(header), options_.chunk_bytes));
}

absl::Status SnapshotStore::Save(const raft::Snapshot& snapshot) {
    KEEL_ASSIGN_OR_RETURN(std::unique_ptr<SnapshotWriter> writer, Create(snapshot.meta));
    KEEL_RETURN_IF_ERROR(writer->Append(snapshot.data));
    return writer->Finish();
}

absl::StatusOr<std::vector<SnapshotFileInfo>> SnapshotStore::List() {
    KEEL_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs_.ListDir(dir_));
    std::vector<SnapshotFileInfo> infos;
    for (const std::string& name : names) {
        std::optional<SnapshotFileInfo> info = ParseSnapshotFileName(dir_, name);
        if (info.has_value()) {
            infos.push_back(std::move(*info));
        }
    }
    // Names sort by index because the index is zero-padded hex and comes first.
    return infos;
}

absl::StatusOr<raft::Snapshot> SnapshotStore::Load(Index index, Term term) {
    KEEL_ASSIGN_OR_RETURN(const std::vector<SnapshotFileInfo> infos, List());
    for (const SnapshotFileInfo& info : infos) {
        if (info.index == index && info.term == term) {
            KEEL_ASSIGN_OR_RETURN(const std::string bytes, ReadWholeFile(fs_, info.path));
            KEEL_ASSIGN_OR_RETURN(raft::Snapshot snapshot, DecodeSnapshotFile(bytes, info.path));
            if (snapshot.meta.index != info.index || snapshot.meta.term != info.term) {
                return SnapshotDataLoss(info.path, 0, "the metadata does not match the name");
            }
            return snapshot;
        }
    }
    return absl::NotFoundError(
        absl::StrCat("no snapshot at index ", index.value(), " term ", term.value(), " in ", dir_));
}

absl::Status SnapshotStore::RemoveOlderThan(Index index) {
    KEEL_ASSIGN_OR_RETURN(const std::vector<SnapshotFileInfo> infos, List());
    bool removed = false;
    for (const SnapshotFileInfo& info : infos) {
        if (info.index < index) {
            KEEL_RETURN_IF_ERROR(fs_.Remove(info.path));
            removed = true;
        }
    }
    return removed ? fs_.SyncDir(dir_) : absl::OkStatus();
}

absl::StatusOr<raft::Snapshot> DecodeSnapshotFile(std::string_view bytes, const std::string& path) {
    if (bytes.size() < kSnapshotHeaderBytes
        || std::memcmp(bytes.data(), kSnapshotMagic, sizeof(kSnapshotMagic)) != 0) {
        return SnapshotDataLoss(path, 0, "not a snapshot file (bad magic or short header)");
    }
    Decoder decoder(bytes.substr(sizeof(kSnapshotMagic)));
    uint32_t version = 0;
    uint32_t chunk_bytes = 0;
    uint64_t data_bytes = 0;
    uint32_t meta_length = 0;
    uint32_t masked_crc = 0;
    decoder.GetFixed32(&version);
    decoder.GetFixed32(&chunk_bytes);
    decoder.GetFixed64(&data_bytes);
    decoder.GetFixed32(&meta_length);
    decoder.GetFixed32(&masked_crc);
    KEEL_ASSERT(decoder.ok());  // the header's length was checked
    if (meta_length > bytes.size() - kSnapshotHeaderBytes) {
        return SnapshotDataLoss(path, 0, "the metadata length runs past the file");
    }
    const std::string_view meta_bytes = bytes.substr(kSnapshotHeaderBytes, meta_length);
    const uint32_t crc =
        base::Crc32c(meta_bytes, base::Crc32c(bytes.substr(0, kHeaderCoveredBytes)));
    if (base::UnmaskCrc(masked_crc) != crc) {
        return SnapshotDataLoss(path, 0, "header checksum mismatch");
    }
    if (version != kSnapshotVersion || chunk_bytes == 0) {
        return SnapshotDataLoss(
            path, 0, absl::StrCat("unsupported version ", version, " or chunk size ", chunk_bytes));
    }
    raft::Snapshot snapshot;
    KEEL_ASSIGN_OR_RETURN(snapshot.meta, DecodeSnapshotMeta(meta_bytes));
    const uint64_t chunk_count = (data_bytes + chunk_bytes - 1) / chunk_bytes;
    const uint64_t expected_size =
        kSnapshotHeaderBytes + meta_length + chunk_count * kChunkCrcBytes + data_bytes;
    if (bytes.size() != expected_size) {
        return SnapshotDataLoss(
            path,
            0,
            absl::StrCat(
                "the file has ", bytes.size(), " bytes; its header implies ", expected_size));
    }
    snapshot.data.reserve(data_bytes);
    uint64_t offset = kSnapshotHeaderBytes + meta_length;
    for (uint64_t chunk = 0; chunk < chunk_count; ++chunk) {
        const uint64_t size = std::min<uint64_t>(chunk_bytes, data_bytes - snapshot.data.size());
        const std::string_view data = bytes.substr(offset + kChunkCrcBytes, size);
        if (base::UnmaskCrc(DecodeFixed32(bytes.data() + offset)) != base::Crc32c(data)) {
            return SnapshotDataLoss(
                path, offset, absl::StrCat("checksum mismatch in chunk ", chunk));
        }
        snapshot.data.append(data);
        offset += kChunkCrcBytes + size;
    }
    return snapshot;
}

}  // namespace keel::storage
