#include "storage/file_system.h"

#include <absl/strings/str_cat.h>

#include "base/status.h"

namespace keel::storage {

std::string JoinPath(std::string_view dir, std::string_view name) {
    if (dir.empty()) {
        return std::string(name);
    }
    std::string path(dir);
    if (path.back() != '/') {
        path.push_back('/');
    }
    path.append(name);
    return path;
}

std::string DirName(std::string_view path) {
    const size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) {
        return ".";
    }
    if (slash == 0) {
        return "/";
    }
    return std::string(path.substr(0, slash));
}

absl::StatusOr<std::string> ReadWholeFile(FileSystem& fs, const std::string& path) {
    KEEL_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs.Open(path, OpenMode::kReadOnly));
    KEEL_ASSIGN_OR_RETURN(const uint64_t size, file->Size());
    std::string data;
    KEEL_RETURN_IF_ERROR(file->ReadAt(0, size, &data));
    if (data.size() != size) {
        return absl::DataLossError(
            absl::StrCat(path, ": read ", data.size(), " of ", size, " bytes"));
    }
    return data;
}

absl::Status WriteFileAtomically(FileSystem& fs, const std::string& path, std::string_view data) {
    const std::string temp = absl::StrCat(path, ".tmp");
    if (fs.Exists(temp)) {
        KEEL_RETURN_IF_ERROR(fs.Remove(temp));  // left over from a crash mid-write
    }
    {
        KEEL_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs.Open(temp, OpenMode::kCreateNew));
        KEEL_RETURN_IF_ERROR(file->WriteAt(0, data));
        KEEL_RETURN_IF_ERROR(file->Sync());
    }
    KEEL_RETURN_IF_ERROR(fs.Rename(temp, path));
    return fs.SyncDir(DirName(path));
}

}  // namespace keel::storage
