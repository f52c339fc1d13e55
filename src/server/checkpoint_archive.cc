#include "server/checkpoint_archive.h"

#include <cstring>
#include <vector>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/crc32c.h"
#include "base/status.h"
#include "storage/coding.h"

namespace keel::server {
namespace {

constexpr size_t kHeaderBytes = sizeof(kCheckpointArchiveMagic) + 4 + 4;

// One file of a parsed archive; `bytes` points into the archive.
struct ArchiveFile {
    std::string_view name;
    std::string_view bytes;
};

bool IsPlainFileName(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos
           && name.find('\0') == std::string_view::npos;
}

absl::Status Corrupt(const std::string& why) {
    return absl::DataLossError(absl::StrCat("snapshot archive: ", why));
}

// What may follow the last file.
enum class Trailing {
    kNothing,
    kAnything,  // the archive is a prefix of the bytes given
};

struct Parsed {
    std::vector<ArchiveFile> files;
    size_t archive_bytes = 0;
};

// Parses and verifies the archive at the start of `archive`.
absl::StatusOr<Parsed> Parse(std::string_view archive, Trailing trailing = Trailing::kNothing) {
    if (archive.size() < kHeaderBytes
        || std::memcmp(archive.data(), kCheckpointArchiveMagic, sizeof(kCheckpointArchiveMagic))
               != 0) {
        return Corrupt("bad magic or too short");
    }
    const char* p = archive.data() + sizeof(kCheckpointArchiveMagic);
    if (storage::DecodeFixed32(p) != kCheckpointArchiveVersion) {
        return Corrupt(absl::StrCat("unknown version ", storage::DecodeFixed32(p)));
    }
    const uint32_t count = storage::DecodeFixed32(p + 4);
    if (count > kCheckpointArchiveFilesMax) {
        return Corrupt(absl::StrCat("names ", count, " files"));
    }
    std::vector<ArchiveFile> files;
    files.reserve(count);
    size_t offset = kHeaderBytes;
    for (uint32_t i = 0; i < count; ++i) {
        if (archive.size() - offset < 4) {
            return Corrupt(absl::StrCat("truncated at file ", i));
        }
        const uint32_t name_length = storage::DecodeFixed32(archive.data() + offset);
        offset += 4;
        if (archive.size() - offset < uint64_t{name_length} + 8 + 4) {
            return Corrupt(absl::StrCat("truncated at file ", i));
        }
        const std::string_view name = archive.substr(offset, name_length);
        offset += name_length;
        if (!IsPlainFileName(name)) {
            return Corrupt(absl::StrCat("file ", i, " has an unsafe name"));
        }
        if (!files.empty() && name <= files.back().name) {
            return Corrupt(absl::StrCat("file names out of order at ", std::string(name)));
        }
        const uint64_t size = storage::DecodeFixed64(archive.data() + offset);
        const uint32_t masked_crc = storage::DecodeFixed32(archive.data() + offset + 8);
        offset += 12;
        if (archive.size() - offset < size) {
            return Corrupt(absl::StrCat("file ", std::string(name), " is truncated"));
        }
        const std::string_view bytes = archive.substr(offset, size);
        offset += size;
        if (base::Crc32c(bytes) != base::UnmaskCrc(masked_crc)) {
            return Corrupt(absl::StrCat("file ", std::string(name), " fails its checksum"));
        }
        files.push_back(ArchiveFile{.name = name, .bytes = bytes});
    }
    if (trailing == Trailing::kNothing && offset != archive.size()) {
        return Corrupt(absl::StrCat(archive.size() - offset, " bytes after the last file"));
    }
    return Parsed{.files = std::move(files), .archive_bytes = offset};
}

}  // namespace

absl::StatusOr<std::string> PackCheckpoint(storage::FileSystem& fs,
                                           const std::string& dir,
                                           uint64_t bytes_max) {
    KEEL_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs.ListDir(dir));
    if (names.size() > kCheckpointArchiveFilesMax) {
        return absl::OutOfRangeError(absl::StrCat(dir, " holds too many files"));
    }
    std::string archive(kCheckpointArchiveMagic, sizeof(kCheckpointArchiveMagic));
    storage::PutFixed32(&archive, kCheckpointArchiveVersion);
    storage::PutFixed32(&archive, static_cast<uint32_t>(names.size()));
    for (const std::string& name : names) {  // ListDir sorts them
        KEEL_ASSERT(IsPlainFileName(name));
        KEEL_ASSIGN_OR_RETURN(std::string bytes,
                              storage::ReadWholeFile(fs, storage::JoinPath(dir, name)));
        if (archive.size() + name.size() + bytes.size() + 16 > bytes_max) {
            return absl::OutOfRangeError(
                absl::StrFormat("the checkpoint in %s exceeds %d bytes", dir, bytes_max));
        }
        storage::PutFixed32(&archive, static_cast<uint32_t>(name.size()));
        archive.append(name);
        storage::PutFixed64(&archive, bytes.size());
        storage::PutFixed32(&archive, base::MaskCrc(base::Crc32c(bytes)));
        archive.append(bytes);
    }
    return archive;
}

absl::StatusOr<CheckpointArchiveSummary> VerifyCheckpointArchive(std::string_view archive) {
    KEEL_ASSIGN_OR_RETURN(const Parsed parsed, Parse(archive));
    CheckpointArchiveSummary summary{.file_count = static_cast<uint32_t>(parsed.files.size())};
    for (const ArchiveFile& file : parsed.files) {
        summary.data_bytes += file.bytes.size();
    }
    return summary;
}

absl::StatusOr<size_t> CheckpointArchiveBytes(std::string_view bytes) {
    KEEL_ASSIGN_OR_RETURN(const Parsed parsed, Parse(bytes, Trailing::kAnything));
    KEEL_ASSERT(parsed.archive_bytes <= bytes.size());
    return parsed.archive_bytes;
}

absl::Status UnpackCheckpoint(storage::FileSystem& fs,
                              std::string_view archive,
                              const std::string& dir) {
    KEEL_ASSIGN_OR_RETURN(const Parsed parsed, Parse(archive));
    KEEL_RETURN_IF_ERROR(fs.CreateDir(dir));
    for (const ArchiveFile& file : parsed.files) {
        const std::string path = storage::JoinPath(dir, file.name);
        KEEL_ASSIGN_OR_RETURN(std::unique_ptr<storage::File> out,
                              fs.Open(path, storage::OpenMode::kCreateNew));
        KEEL_RETURN_IF_ERROR(out->WriteAt(0, file.bytes));
        KEEL_RETURN_IF_ERROR(out->Sync());
    }
    return fs.SyncDir(dir);
}

}  // namespace keel::server
