// Who this member is, before its RaftNode opens: its id, the bootstrap membership Raft starts
// from, and (for a member joining a running cluster) the peers it can reach.
//
//   - A data directory that holds a member file: the file decides (etcd ignores
//     --initial-cluster on a restart, too). It records the name, the cluster id, the member id
//     and the bootstrap --initial-cluster.
//   - An empty data directory with --initial-cluster-state=new: the member bootstraps from
//     --initial-cluster; its id is the hash of its name (cluster_config.h).
//   - An empty data directory with --initial-cluster-state=existing: the member joins. It asks
//     the other members named in --initial-cluster for the membership (MembershipPeer.
//     GetMembership on their peer addresses), finds itself by its peer URL (added before with
//     `etcdctl member add`), and starts with an empty log from the cluster's bootstrap
//     membership; the leader sends it the log (or a snapshot).
// Threading: called from keeld's main thread before the server starts.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <absl/status/statusor.h>

#include "base/ids.h"
#include "keel/v1/membership.pb.h"
#include "kv/mvcc_store.h"
#include "server/cluster_config.h"
#include "server/raft_node.h"

namespace keel::server {

struct MemberIdentity {
    NodeId id;
    ClusterConfig bootstrap;
    std::vector<std::pair<NodeId, std::string>> known_peers;
};

// Errors: FailedPrecondition if the data directory belongs to another member, or if a joining
// member is not in the membership of the cluster it asks (not added yet); Unavailable if no
// member named in `flag_cluster` answers within `timeout`; InvalidArgument if `name` is not in
// `flag_cluster`.
absl::StatusOr<MemberIdentity> ResolveMemberIdentity(const std::string& name,
                                                     const std::string& data_dir,
                                                     const ClusterConfig& flag_cluster,
                                                     InitialClusterState state,
                                                     std::chrono::milliseconds timeout);

// The membership recorded in `store`, or the bootstrap one of `cluster` if none is yet.
keel::v1::MembershipRecord LoadMembership(const kv::MvccStore& store, const ClusterConfig& cluster);

// The member file's lines after name and cluster id: "member_id=<hex>\ninitial_cluster=...\n".
std::string MemberFileIdentityLines(NodeId self, const ClusterConfig& bootstrap);

// The whole member file of member `name` (id `self`) of the cluster bootstrapped from
// `bootstrap`: "name=...\ncluster_id=<hex>\n" and the identity lines. On a restart the file's
// cluster id is the cluster's (it may include an --initial-cluster-token, which the bootstrap
// list alone does not show).
std::string MemberFileText(const std::string& name, NodeId self, const ClusterConfig& bootstrap);

}  // namespace keel::server
