// CheckpointSender: turns the snapshot messages a leader's Raft emits into RocksDB checkpoints
// shipped to the follower, off the Raft loop thread.
//
// Raft's snapshot names the state, not the bytes (the store itself is the local snapshot), so
// a kSnapshot message leaves RawNode with metadata only. For each one this worker takes a
// fresh checkpoint of the store (hard links, via the `create_checkpoint` hook, which holds the
// store's lock only while RocksDB links the files), packs its files with a checksum each
// (checkpoint_archive.h), removes the checkpoint and hands the message with the archive as its
// data to `send` (the transport streams it in checksummed chunks). The checkpoint is at least
// as new as the snapshot's index, which is all the follower needs: entries it already holds
// in its store are skipped when they are applied (raft_node_snapshot.cc).
//
// Failures (a full disk, a checkpoint over bytes_max) are reported through `failed`, which
// RaftNode turns into RawNode::ReportSnapshot(kFailed).
//
// Threading: Enqueue and Stop from any thread; the hooks run on the worker thread.
// Invariant: queue_.size() <= kCheckpointsQueuedMax.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include <absl/status/status.h>

#include "raft/types.h"
#include "storage/file_system.h"

namespace keel::server {

// Raft sends at most one snapshot per follower at a time; a few followers at once is plenty.
inline constexpr size_t kCheckpointsQueuedMax = 16;

struct CheckpointSenderHooks {
    std::function<absl::Status(const std::string& dir)> create_checkpoint;
    std::function<void(raft::Message)> send;
    std::function<void(NodeId)> failed;
};

class CheckpointSender {
public:
    // `work_dir` holds the temporary checkpoints (one at a time; created on demand).
    CheckpointSender(storage::FileSystem& fs,
                     std::string work_dir,
                     uint64_t archive_bytes_max,
                     CheckpointSenderHooks hooks);
    ~CheckpointSender();
    CheckpointSender(const CheckpointSender&) = delete;
    CheckpointSender& operator=(const CheckpointSender&) = delete;

    // Queues a kSnapshot message (precondition) for the worker; beyond the bound, reports it
    // failed at once.
    void Enqueue(raft::Message message);

    // Stops the worker after the message in hand; the queued ones are dropped. Idempotent.
    void Stop();

private:
    void Run();
    void Ship(raft::Message message);

    storage::FileSystem& fs_;
    const std::string work_dir_;
    const uint64_t archive_bytes_max_;
    const CheckpointSenderHooks hooks_;

    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<raft::Message> queue_;  // guarded by mu_
    bool stopping_ = false;            // guarded by mu_
    uint64_t shipped_ = 0;             // worker thread only
    std::thread thread_;               // last: starts after the members above
};

}  // namespace keel::server
