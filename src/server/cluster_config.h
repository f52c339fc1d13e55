// The static membership of a keeld cluster, parsed from etcd-style flags.
//
// `--initial-cluster=a=http://127.0.0.1:2380,b=http://127.0.0.1:2480,...` names every member
// and its peer URL. Identifiers are derived from it deterministically, so that every member
// computes the same ones without talking to the others:
//   - a member's id (its Raft NodeId) is the FNV-1a 64-bit hash of its name (0 is remapped to
//     1, because NodeId 0 means "none"). Names, not list positions, so that reordering the
//     flag on one member cannot give two members the same id;
//   - the cluster id is the FNV-1a 64-bit hash of the canonical membership string (members
//     sorted by name, "name=url" joined by commas), so a member started with a different
//     membership cannot join the group (the transport refuses other clusters' batches).
// Pure functions and plain data; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>
#include <absl/strings/string_view.h>

#include "base/ids.h"
#include "raft/types.h"

namespace keel::server {

// The most members a static cluster may name (a Raft group beyond 7 voters buys nothing).
inline constexpr size_t kMembersMax = 7;

struct Member {
    NodeId id;
    std::string name;
    std::string peer_url;      // as given, e.g. "http://127.0.0.1:2380"
    std::string peer_address;  // host:port for gRPC, e.g. "127.0.0.1:2380"

    bool operator==(const Member&) const = default;
};

// Invariant: members are sorted by name; names and ids are unique; 1 <= size <= kMembersMax.
struct ClusterConfig {
    uint64_t cluster_id = 0;
    std::vector<Member> members;

    // The member with `id`, or nullptr.
    const Member* Find(NodeId id) const;
    const Member* FindByName(absl::string_view name) const;
    // Every member as a voter: the bootstrap configuration of a new cluster.
    raft::ConfState InitialConfState() const;
};

// "http://host:port" (or "host:port") -> "host:port". InvalidArgument for another scheme
// (TLS is not supported yet), a missing or non-numeric port, or a path.
absl::StatusOr<std::string> AddressFromUrl(absl::string_view url);

// Parses a comma-separated list of URLs into addresses (AddressFromUrl each).
absl::StatusOr<std::vector<std::string>> AddressesFromUrls(absl::string_view urls);

// Parses --initial-cluster. InvalidArgument naming the defect: an empty list, an entry without
// '=', an empty name, a duplicate name, a bad URL, too many members, or two names whose ids
// collide. A non-empty `token` (--initial-cluster-token) is mixed into the cluster id
// (ClusterIdOf), so that two clusters bootstrapped from the same list (e.g. a cluster restored
// from a backup onto the old cluster's URLs) are told apart.
absl::StatusOr<ClusterConfig> ParseInitialCluster(absl::string_view flag,
                                                  absl::string_view token = "");

// The cluster id of the canonical membership string ("name=url,..." sorted by name): its
// FNV-1a hash, or with a non-empty `token`, the hash of the string, a newline and the token
// (an empty token keeps the ids of clusters made before the flag existed).
uint64_t ClusterIdOf(absl::string_view canonical, absl::string_view token);

// FNV-1a 64-bit: stable across builds and machines (unlike std::hash or absl::Hash).
uint64_t StableHash64(absl::string_view bytes);

NodeId MemberIdFromName(absl::string_view name);

}  // namespace keel::server
