// SimFileSystem: an in-memory disk for the deterministic simulator and the storage tests.
//
// It implements the storage::FileSystem seam with the weakest semantics POSIX allows, so that
// code which survives it survives a real disk:
//   - a file's bytes survive Crash() only up to its last successful Sync(); a directory
//     entry (create, rename, remove) survives only up to the last SyncDir() of its parent;
//   - Crash() with CrashMode::kTear keeps a random prefix of the unsynced operations of each
//     file, in order, and tears the first one it does not keep (a write keeps a random prefix
//     of its bytes), as a power cut in the middle of write-back would;
//   - faults: FlipBit()/ZeroRange() corrupt stored bytes (media errors); InjectFault() fails
//     the n-th matching operation with an errno (EIO, ENOSPC, ...); SetFaultChance() fails a
//     kind of operation at random; SetCapacityBytes() makes writes beyond it fail with ENOSPC
//     after writing what fits;
//   - slowness: a latency hook charges each operation a number of virtual ticks, summed in
//     elapsed_ticks(). Nothing sleeps.
// Directories are created durably at once (CreateDir needs no SyncDir); only regular files
// have the weak semantics above.
//
// Every random choice comes from a base::Rng seeded at construction, so a run is a function of
// its seed. File handles opened before a Crash() fail with FailedPrecondition afterwards, as
// the process that owned them is gone.
//
// Threading: all methods may be called from any thread (one internal mutex), but the
// simulator drives it from one thread, which is what makes runs reproducible.
//
// Invariant: for every file, replaying its pending operations on its durable contents yields
// its current contents.
// Invariant: durable_files_ holds only names that were in files_ at some SyncDir() of their
// parent.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/rng.h"
#include "storage/file_system.h"

namespace keel::sim {

enum class FsOp : uint8_t {
    kOpen = 0,
    kWrite = 1,
    kRead = 2,
    kSync = 3,
    kPreallocate = 4,
    kTruncate = 5,
    kRename = 6,
    kRemove = 7,
    kSyncDir = 8,
    kListDir = 9,
};

const char* FsOpName(FsOp op);

// Fails the matching operations numbered [skip, skip + count) (0-based, counted from when
// the rule is installed) with `error_number`. An empty `path_contains` matches every path.
struct FaultRule {
    FsOp op = FsOp::kWrite;
    int error_number = 5;  // EIO
    std::string path_contains;
    uint64_t skip = 0;
    uint64_t count = 1;
};

enum class CrashMode : uint8_t {
    kDropUnsynced = 0,  // every unsynced operation is lost
    kTear = 1,          // a random prefix of each file's unsynced operations survives, torn
};

class SimFileSystem final : public storage::FileSystem {
public:
    // Charges `op` on `bytes` bytes a number of virtual ticks.
    using LatencyFn = std::function<uint64_t(FsOp op, uint64_t bytes)>;

    explicit SimFileSystem(uint64_t seed);
    ~SimFileSystem() override;

    // storage::FileSystem
    absl::StatusOr<std::unique_ptr<storage::File>> Open(const std::string& path,
                                                        storage::OpenMode mode) override;
    absl::Status Rename(const std::string& from, const std::string& to) override;
    absl::Status Remove(const std::string& path) override;
    absl::Status CreateDir(const std::string& path) override;
    absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override;
    absl::Status SyncDir(const std::string& dir) override;
    absl::StatusOr<uint64_t> FileSize(const std::string& path) override;
    bool Exists(const std::string& path) override;

    // Power loss: every file and directory entry reverts to its durable state (see the class
    // comment for kTear). Open handles become invalid.
    void Crash(CrashMode mode);

    // Media corruption of the current and durable contents alike. NotFound if there is no
    // such file, OutOfRange if the range is not inside it.
    absl::Status FlipBit(const std::string& path, uint64_t offset, int bit);
    absl::Status ZeroRange(const std::string& path, uint64_t offset, uint64_t size);

    void InjectFault(FaultRule rule);
    // Fails each `op` with probability numerator / denominator (0 turns it off).
    void SetFaultChance(FsOp op, int error_number, uint64_t numerator, uint64_t denominator);
    void ClearFaults();

    // The most bytes all files together may hold; 0 means unlimited.
    void SetCapacityBytes(uint64_t bytes);
    void SetLatency(LatencyFn latency);

    uint64_t elapsed_ticks() const;
    // Bytes written but not yet synced, over all files (tests assert on it).
    uint64_t unsynced_bytes() const;
    // How many File::Sync() calls succeeded.
    uint64_t sync_count() const;

private:
    class SimFile;
    struct Inode;

    struct RandomFault {
        int error_number = 0;
        uint64_t numerator = 0;
        uint64_t denominator = 0;
    };

    // Charges latency and decides whether `op` on `path` fails; returns the error if so.
    absl::Status Admit(FsOp op, const std::string& path, uint64_t bytes);
    absl::Status WriteLocked(Inode& inode, uint64_t offset, std::string_view data);
    absl::Status ResizeLocked(Inode& inode, uint64_t size, FsOp op);
    uint64_t UsedBytesLocked() const;
    void TearLocked(Inode& inode);
    Inode* FindLocked(const std::string& path);

    mutable std::mutex mu_;
    base::Rng rng_;
    uint64_t epoch_ = 0;  // incremented by Crash(); handles of older epochs are dead
    std::map<std::string, std::shared_ptr<Inode>> files_;
    std::map<std::string, std::shared_ptr<Inode>> durable_files_;
    std::set<std::string> dirs_;
    std::vector<FaultRule> rules_;
    std::vector<uint64_t> rule_seen_;  // matching operations seen per rule
    std::map<FsOp, RandomFault> random_faults_;
    uint64_t capacity_bytes_ = 0;
    LatencyFn latency_;
    uint64_t elapsed_ticks_ = 0;
    uint64_t sync_count_ = 0;
};

}  // namespace keel::sim
