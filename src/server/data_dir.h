// The layout of a keeld member's --data-dir, shared by keeld (raft_node.cc, member_join.cc)
// and by what writes a data directory without running keeld (snapshot_restore.h):
//
//   member   who this member is (name, cluster id, member id, bootstrap list; member_join.h)
//   wal/     the Raft log (storage/wal.h, docs/storage-format.md)
//   kv/      the MVCC store (kv/mvcc_store.h)
//   snap/    snapshot checkpoints in flight (snapshot_files.h)
//
// Constants only; any thread.
#pragma once

namespace keel::server {

inline constexpr char kMemberFileName[] = "member";
inline constexpr char kWalDirName[] = "wal";
inline constexpr char kStoreDirName[] = "kv";

}  // namespace keel::server
