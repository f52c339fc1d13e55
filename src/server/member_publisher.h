// MemberPublisher: a member's own duties towards the replicated membership, on one thread.
//
// 1. Publish: the member announces its name and client URLs (etcd's publish), so that every
//    member's MemberList shows them, and a member added by `etcdctl member add` (which knows
//    only its peer URLs) gets its name. It retries a `publish` change through the leader
//    (MembershipProposer) until the applied membership shows them.
// 2. Notice its removal: a removed member often never applies its own removal (the leader
//    stops replicating to it once the removal commits), so every kRemovalCheckInterval it asks
//    one of the other members for their membership (MembershipPeer.GetMembership) and, if that
//    lists it as removed, marks the node removed (RaftNode::MarkRemoved), which stops keeld.
//    etcd's removed members learn it from the peers' transport in the same way.
// Threading: its own thread; Start/Stop from the owner's thread.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/membership_peer_service.h"
#include "server/raft_node.h"

namespace keel::server {

class MemberPublisher {
public:
    MemberPublisher(RaftNode& node,
                    MembershipProposer& proposer,
                    std::string name,
                    std::vector<std::string> client_urls)
        : node_(node),
          proposer_(proposer),
          name_(std::move(name)),
          client_urls_(std::move(client_urls)) {}

    ~MemberPublisher() { Stop(); }

    MemberPublisher(const MemberPublisher&) = delete;
    MemberPublisher& operator=(const MemberPublisher&) = delete;

    void Start();
    // Idempotent.
    void Stop();

private:
    // True once the applied membership shows this member as it publishes itself.
    bool Published() const;
    // Asks the next other member whether this member was removed.
    bool RemovedAccordingToPeer();
    // Waits `interval` or until Stop(); false when stopping.
    bool Sleep(std::chrono::milliseconds interval);
    void Run();

    RaftNode& node_;
    MembershipProposer& proposer_;
    const std::string name_;
    const std::vector<std::string> client_urls_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;  // guarded by mu_
    size_t next_peer_ = 0;   // publisher thread only
    std::thread thread_;
};

}  // namespace keel::server
