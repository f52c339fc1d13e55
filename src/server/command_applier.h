// The replicated state machine's apply step: one committed Raft entry -> one MvccStore change.
//
// An entry's data is a serialized keel.v1.Command (proto/keel/v1/command.proto). Apply is
// deterministic: every member applies the same bytes to the same state and reaches the same
// response, including the same error for an invalid request (an error response is still an
// applied entry, kv/mvcc_store.h). An entry that does not decode as a Command is applied as a
// no-op on every member, and its proposer (if any) gets Internal.
//
// Threading: called only on the node's loop thread, with the store's lock held.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include <absl/status/statusor.h>

#include "keel/v1/command.pb.h"
#include "kv/mvcc_store.h"
#include "raft/types.h"

namespace keel::server {

// An alarm entry changes no key or revision; it records the alarm set in the server's keyspace
// of the store, and the in-memory alarm set follows it through the CommandObserver
// (alarm_set.h).
struct AlarmApplied {};

// The answer to a session operation (RegisterClient, KeepAlive, Close; docs/sessions.md).
struct SessionOpResponse {
    uint64_t session_id = 0;
    int64_t ttl_ms = 0;
    Revision revision;
};

// A retransmitted sessioned request answered from the session table: the serialized etcd
// response it got when it was executed (session_table.h).
struct ReplayedResponse {
    std::string serialized;
};

// The answer to a membership change: the member it was about (server/membership.h).
struct MembershipResponse {
    NodeId member;
};

// The response of any command a client (or the leader's lessor) can propose.
using CommandResponse = std::variant<kv::PutResponse,
                                     kv::DeleteRangeResponse,
                                     kv::TxnResponse,
                                     kv::CompactionResponse,
                                     kv::LeaseGrantResponse,
                                     kv::LeaseRevokeResponse,
                                     kv::LeaseCheckpointResponse,
                                     AlarmApplied,
                                     SessionOpResponse,
                                     ReplayedResponse,
                                     MembershipResponse>;

// Told of every command applied, with its response, in log order (the lessor and the alarm set
// follow the replicated state this way). Runs on the loop thread with the store's lock held.
using CommandObserver =
    std::function<void(const keel::v1::Command&, const absl::StatusOr<CommandResponse>&)>;

struct AppliedCommand {
    // The request id in the entry (0 for a no-op or an undecodable entry).
    uint64_t request_id = 0;
    absl::StatusOr<CommandResponse> response;
    // The changes the entry made, for the watch hub (empty if it changed nothing).
    kv::Events events;
};

// Applies a kNormal entry (Precondition: entry.type == kNormal and entry.index is above the
// store's applied index). An empty entry (a new leader's no-op) is recorded with ApplyNoop.
// `observer`, if set, is told of the decoded command and its response. A command that changes
// the membership is handed to `apply_membership` (which must record it in the store at
// `index`) and not to `observer`; without one it is applied as a no-op and answered Internal.
using MembershipApplier =
    std::function<absl::StatusOr<CommandResponse>(Index, const keel::v1::MembershipChange&)>;
AppliedCommand ApplyEntry(kv::MvccStore& store,
                          const raft::Entry& entry,
                          const CommandObserver& observer = {},
                          const MembershipApplier& apply_membership = {});

// Applies one decoded command at `index` (a sessioned Put, DeleteRange or Txn goes through
// the session table: session_table.h); its changes go to `events` when it is not null.
absl::StatusOr<CommandResponse> ApplyCommand(kv::MvccStore& store,
                                             Index index,
                                             const keel::v1::Command& command,
                                             kv::Events* events = nullptr);

}  // namespace keel::server
