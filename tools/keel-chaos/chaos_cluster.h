// ChaosCluster: a 3-member cluster of real keeld (or etcd) processes on loopback for the chaos
// harness, with a FaultProxy on every directed peer link (keeld only: member i dials member j
// through link(i, j), set with keeld's --debug-peer-dial), and the process-level faults:
// SIGKILL and restart, SIGSTOP and SIGCONT; and the disk faults of keeld's
// --debug-fsync-delay-file (slow and failing fsyncs).
//
// Every process is owned by a keel::testing::Process and stopped by PID.
// Threading: not thread-safe; the nemesis thread drives it. Clients only read addresses,
// which never change.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "e2e/process.h"
#include "fault_proxy.h"

namespace keel::chaos {

enum class Flavor : uint8_t {
    kKeeld = 0,
    kEtcd = 1,
};

struct ChaosClusterOptions {
    Flavor flavor = Flavor::kKeeld;
    int size = 3;
    int tick_ms = 50;  // etcd: --heartbeat-interval
    int election_ticks = 10;
    std::string keeld_path;
    uint64_t seed = 1;
};

class ChaosCluster {
public:
    explicit ChaosCluster(ChaosClusterOptions options);
    ~ChaosCluster();
    ChaosCluster(const ChaosCluster&) = delete;
    ChaosCluster& operator=(const ChaosCluster&) = delete;

    int size() const { return static_cast<int>(members_.size()); }

    bool has_proxies() const { return options_.flavor == Flavor::kKeeld; }

    // Starts member i (again after Kill: same ports and data directory).
    void Start(int i);
    void Kill(int i);
    void Pause(int i);
    void Resume(int i);
    bool Running(int i);

    bool Paused(int i) const { return members_.at(i).paused; }

    // Link (from -> to); precondition: has_proxies(), from != to.
    FaultProxy& Link(int from, int to);
    // Cuts (or restores) every link into and out of member i.
    void Isolate(int i, bool isolated);
    // Every WAL fsync of member i first sleeps `delay_ms` (0: none), from its next fsync on.
    void SetFsyncDelay(int i, int delay_ms);
    // Every WAL fsync of member i fails with EIO from its next fsync on (keeld then stops:
    // a failed fsync is fatal); SetFsyncDelay(i, 0) heals the disk.
    void FailDisk(int i);
    // Clears every proxy and disk fault and resumes paused members; starts members that are
    // down.
    void HealAll();

    std::string ClientAddress(int i) const;
    std::string Log(int i) const;

    std::string dir() const { return dir_.path(); }

    // The member every running, unpaused member names as leader, asked through
    // Maintenance.Status with a short deadline; nullopt if they disagree or none is known.
    std::optional<int> Leader();
    std::optional<int> WaitForLeader(std::chrono::milliseconds timeout);

private:
    struct Member {
        std::string name;
        int client_port = 0;
        int peer_port = 0;
        uint64_t id = 0;  // learned from Status once it answers
        bool paused = false;
        std::unique_ptr<testing::Process> process;
    };

    std::vector<std::string> KeeldArgs(int i) const;
    std::vector<std::string> EtcdArgs(int i) const;
    std::string DiskFaultFile(int i) const;

    ChaosClusterOptions options_;
    testing::TempDir dir_;
    std::string initial_cluster_;
    std::vector<Member> members_;
    // links_[from * size + to]; null on the diagonal and for etcd.
    std::vector<std::unique_ptr<FaultProxy>> links_;
};

}  // namespace keel::chaos
