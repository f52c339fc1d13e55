// The replicated membership of a keeld cluster, as pure functions on keel.v1.MembershipRecord
// (proto/keel/v1/membership.proto): who the members are (ids, names, peer and client URLs,
// learner flag), the ids removed for good, and the bootstrap membership Raft starts from.
//
// Every member applies the same changes to the same record in log order (ApplyMembershipChange
// after ValidateMembershipChange), so every member reaches the same record; the record is kept
// in the store (kv's cluster record) with the applied index. Validation gives etcd's errors
// (membership_errors.h), both when the leader accepts a request and again when the entry
// applies (two changes racing through the log are judged in log order).
// Thread use: pure functions; no state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "base/ids.h"
#include "keel/v1/membership.pb.h"
#include "raft/types.h"
#include "server/cluster_config.h"

namespace keel::server {

// etcd's default --experimental-max-learners.
inline constexpr int kLearnersMax = 1;

// The membership of a cluster bootstrapped from `cluster`: every member a voter, names and
// peer URLs known, client URLs not yet published.
keel::v1::MembershipRecord BootstrapMembership(const ClusterConfig& cluster);

// The member with `id`, or nullptr.
const keel::v1::MemberRecord* FindMember(const keel::v1::MembershipRecord& record, NodeId id);
bool IsRemoved(const keel::v1::MembershipRecord& record, NodeId id);

// The member id a change is about (the added member's for add).
NodeId ChangeSubject(const keel::v1::MembershipChange& change);

// Checks `change` against `record` and returns etcd's error for a change etcd refuses:
// MemberNotFoundError() for an unknown or removed id; MemberExistsError() for an add of an id
// in use; PeerUrlExistsError() when another member already has one of the peer URLs;
// TooManyLearnersError(); MemberNotLearnerError() to promote a voter; MemberBadUrlsError()
// for a peer URL that is not http://host:port; InvalidArgument for an empty change.
absl::Status ValidateMembershipChange(const keel::v1::MembershipRecord& record,
                                      const keel::v1::MembershipChange& change);

// The record after `change`. Precondition: ValidateMembershipChange(record, change) is OK
// (asserted where it is cheap). Postcondition: the record's invariant holds.
keel::v1::MembershipRecord ApplyMembershipChange(keel::v1::MembershipRecord record,
                                                 const keel::v1::MembershipChange& change);

// The Raft configuration change that carries `change` (add as voter or learner, remove,
// promote), or nullopt for changes that do not alter Raft's configuration (update, publish),
// which travel as normal entries. The encoded change is the ConfChange's context.
std::optional<raft::ConfChange> ToConfChange(const keel::v1::MembershipChange& change);

// Decodes the membership change in a committed conf change's context. InvalidArgument if it
// does not parse or does not match the Raft change it rides on.
absl::StatusOr<keel::v1::MembershipChange> MembershipChangeOf(const raft::ConfChange& change);

// A fresh member id for a member added with `peer_urls` (etcd derives its ids from the peer
// URLs, the cluster id and the time; `salt` plays the time's part). Never 0.
NodeId NewMemberId(const std::vector<std::string>& peer_urls, uint64_t cluster_id, uint64_t salt);

// etcd's rule for promoting a learner: its match index is at least 90% of the leader's.
bool IsLearnerInSync(Index leader_match, Index learner_match);

// Checks the record's invariant (sorted, unique, removed ids absent). Crashes on a violation.
void CheckMembershipInvariants(const keel::v1::MembershipRecord& record);

}  // namespace keel::server
