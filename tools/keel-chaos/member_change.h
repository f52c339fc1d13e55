// MemberChange: the `member` fault's work, through etcd's Cluster API on a running ChaosCluster
// while the clients keep working: add a fresh member as a learner (new name, empty data
// directory, started with --initial-cluster-state=existing), promote it once keeld reports it
// in sync, and remove a random member of the membership as it was before; or the same two
// changes the other way round (remove first, then add). The cluster's slots track the result
// (ChaosCluster::Current), which the harness's leader finding and final checks use.
//
// Every Cluster API call has a deadline and is retried through the other members until an
// overall deadline; an outcome the harness cannot learn is looked up with MemberList (a timed-
// out MemberAdd may have been applied). A change that still fails is recorded in the
// description and the run goes on: under faults a membership change may legitimately fail.
//
// Threading: runs on the nemesis thread, which owns the cluster; `stopping` is read only.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "chaos_cluster.h"

namespace keel::chaos {

enum class MemberChangeOrder : uint8_t {
    kAddThenRemove = 0,
    kRemoveThenAdd = 1,
};

struct MemberChangeOptions {
    int victim = 0;  // the slot to remove, from Current()
    MemberChangeOrder order = MemberChangeOrder::kAddThenRemove;
};

// Performs both changes and returns what happened, e.g.
// "+m4 (learner, promoted after 1.2 s), -m2". Gives up early (and says so) when `stopping`.
std::string ChangeMembers(ChaosCluster& cluster,
                          const MemberChangeOptions& options,
                          const std::atomic<bool>& stopping);

}  // namespace keel::chaos
