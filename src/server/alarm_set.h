// AlarmSet: the cluster's raised alarms (etcd's Maintenance.Alarm), e.g. NOSPACE when the store
// outgrows --quota-backend-bytes.
//
// Alarms change by log entries (keel.v1.Command.alarm), so every member raises and clears them
// at the same point of the log; the set follows the applied entries (CommandObserver). While
// NOSPACE is raised, writes that could grow the store (Put, a Txn with a Put, LeaseGrant) fail
// with "etcdserver: mvcc: database space exceeded" before they are proposed; deletes, compaction
// and revokes still work, so an operator can make room and then disarm. The check is made on
// the request path, not in apply, so apply stays a function of the log alone.
//
// The set lives in memory: a restarted member starts with none, and the leader raises NOSPACE
// again within a second if the store is still over its quota (etcd keeps alarms in its backend;
// see docs/server.md).
//
// Threading: thread-safe (one mutex). The loop thread applies; RPC threads read.
// Invariant: no two entries have the same (member, alarm); no entry has alarm NONE.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include <absl/status/status.h>

#include "etcd/etcdserverpb/rpc.pb.h"
#include "keel/v1/command.pb.h"

namespace keel::server {

// ResourceExhausted "etcdserver: mvcc: database space exceeded" (etcd's ErrGRPCNoSpace).
absl::Status NoSpaceError();

class AlarmSet {
public:
    // Applies an ACTIVATE or DEACTIVATE (GET changes nothing). DEACTIVATE with memberID 0 or
    // alarm NONE matches every member or every alarm.
    void Apply(const etcdserverpb::AlarmRequest& request);

    // The raised alarms, ordered by (member, alarm); only those matching `alarm` unless NONE.
    std::vector<etcdserverpb::AlarmMember> List(
        etcdserverpb::AlarmType alarm = etcdserverpb::NONE) const;

    bool Has(etcdserverpb::AlarmType alarm) const;

    // NoSpaceError() if NOSPACE is raised and `command` could grow the store; OK otherwise.
    absl::Status CheckWrite(const keel::v1::Command& command) const;

    void CheckInvariants() const;

private:
    mutable std::mutex mu_;
    std::set<std::pair<uint64_t, int>> alarms_;  // (member id, AlarmType); guarded by mu_
};

}  // namespace keel::server
