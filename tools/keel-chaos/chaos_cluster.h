// ChaosCluster: a 3- or 5-member cluster of real keeld (or etcd) processes on loopback for the
// chaos harness, with a FaultProxy on every directed peer link (keeld only: member i dials member
// j through link(i, j), set with keeld's --debug-peer-dial), and the process-level faults:
// SIGKILL and restart, SIGSTOP and SIGCONT; the disk faults of keeld's --debug-fsync-delay-file
// (slow and failing fsyncs); and duplicated peer traffic (keeld's --debug-peer-duplicate-file).
//
// Membership changes: members are slots, numbered in the order they were created. The bootstrap
// members are slots 0..size-1; AddJoiningSlot() makes a slot for a member that joins a running
// cluster (after the Cluster API added it) and MarkRemoved() retires a slot for good. Current()
// is the membership the harness believes in: every slot not removed. keeld dials a joined
// member at the peer URL it was added with, for every member alike (--debug-peer-dial names
// only bootstrap members), so every link into a joined member goes through one inbound proxy:
// Link(i, j) for a joined j is that proxy, and cutting it cuts every link into j.
//
// Every process is owned by a keel::testing::Process and stopped by PID.
// Threading: not thread-safe, except the address book (ClientAddresses), which clients read
// from their own threads; the nemesis thread drives the rest.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
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

    // Slots ever created (bootstrap and joined, removed ones included).
    int size() const { return static_cast<int>(members_.size()); }

    // The slots of the current membership, in slot order.
    std::vector<int> Current() const;

    // The client addresses of the current membership; thread-safe.
    std::vector<std::string> ClientAddresses() const;

    // A new slot for a member that joins the running cluster: fresh name, ports and data
    // directory, and its proxies. Not started; Start() starts it with
    // --initial-cluster-state=existing. Precondition: has_proxies().
    int AddJoiningSlot();
    // The peer URL the Cluster API should add slot i with (its inbound proxy if it joins).
    std::string PeerUrl(int i) const;
    // Retires slot i: it left the membership. Kills its process (a removed keeld exits by
    // itself; this makes sure) and drops it from Current() and the address book.
    void MarkRemoved(int i);

    bool Removed(int i) const { return members_.at(i).removed; }

    const std::string& Name(int i) const { return members_.at(i).name; }

    // The member id slot i reported (Status) or was added with; 0 if not known yet.
    uint64_t MemberId(int i) const { return members_.at(i).id; }

    void SetMemberId(int i, uint64_t id) { members_.at(i).id = id; }

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
    // Cuts (or restores) every link into and out of member i (of the current membership).
    void Isolate(int i, bool isolated);
    // Every WAL fsync of member i first sleeps `delay_ms` (0: none), from its next fsync on.
    void SetFsyncDelay(int i, int delay_ms);
    // Every WAL fsync of member i fails with EIO from its next fsync on (keeld then stops:
    // a failed fsync is fatal); SetFsyncDelay(i, 0) heals the disk.
    void FailDisk(int i);
    // Member i delivers this fraction (parts per million) of received peer batches twice, from
    // within keeld's transport (0: none). keeld rereads it within 100 ms.
    void SetDuplicatePpm(int i, uint32_t ppm);
    // Clears every proxy and disk fault and resumes paused members; starts members that are
    // down.
    void HealAll();

    std::string ClientAddress(int i) const;
    std::string Log(int i) const;

    std::string dir() const { return dir_.path(); }

    // The member every running, unpaused current member names as leader, asked through
    // Maintenance.Status with a short deadline; nullopt if they disagree or none is known.
    std::optional<int> Leader();
    std::optional<int> WaitForLeader(std::chrono::milliseconds timeout);

private:
    struct Member {
        std::string name;
        int client_port = 0;
        int peer_port = 0;
        uint64_t id = 0;  // learned from Status once it answers, or from MemberAdd
        bool paused = false;
        bool joins = false;    // added through the Cluster API, not in --initial-cluster
        bool removed = false;  // no longer a member; never started again
        std::unique_ptr<FaultProxy> inbound;  // joins: every link into this member
        std::unique_ptr<testing::Process> process;
    };

    std::vector<std::string> KeeldArgs(int i) const;
    std::vector<std::string> EtcdArgs(int i) const;
    std::string DiskFaultFile(int i) const;
    std::string DuplicateFile(int i) const;
    void PublishAddresses();

    ChaosClusterOptions options_;
    testing::TempDir dir_;
    std::string initial_cluster_;
    int bootstrap_size_ = 0;
    std::vector<Member> members_;
    // (from, to) -> the proxy of that link, for every `to` among the bootstrap members; none
    // for etcd. Links into a joined member use its inbound proxy.
    std::map<std::pair<int, int>, std::unique_ptr<FaultProxy>> links_;
    mutable std::mutex addresses_mu_;
    std::vector<std::string> addresses_;  // guarded by addresses_mu_
};

}  // namespace keel::chaos
