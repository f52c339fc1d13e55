// The file a client backup (Maintenance.Snapshot, `etcdctl snapshot save`) receives:
//
//   backup := archive | zero bytes up to a multiple of 512 | sha256(everything before):32
//
// `archive` is a store checkpoint as checkpoint_archive.h describes. etcd streams a bbolt file
// followed by its SHA-256, and etcdctl 3.5 and later refuse a download unless its size modulo
// 512 is 32 (a bbolt file is a whole number of pages); the padding keeps keel's file to that
// shape and the trailer lets a reader check it the way etcd's restore does. A bbolt reader
// (`etcdctl snapshot status`, `snapshot restore`) still refuses it: it is not a bbolt file;
// `keelctl snapshot status|restore` read it (snapshot_restore.h).
//
// Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include <absl/status/status.h>

namespace keel::server {

inline constexpr size_t kBackupSha256Bytes = 32;
inline constexpr size_t kBackupAlignBytes = 512;

// Pads `archive` and appends the SHA-256 trailer.
std::string SealBackup(std::string archive);

// Checks the size and the SHA-256 trailer of a backup file's bytes. Errors: DataLoss saying
// which is wrong.
absl::Status VerifyBackup(std::string_view backup);

}  // namespace keel::server
