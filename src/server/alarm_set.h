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
// The set is durable, as etcd's alarms are: applying an alarm entry also writes the whole set as
// one record of the server's keyspace in the store (AlarmRecordWrite), in the same batch as the
// entry's index, so it survives a restart and travels in every checkpoint; a member reloads it
// (Reset(LoadAlarms(store))) when it opens its store and when it installs a snapshot.
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
#include "kv/mvcc_store.h"

namespace keel::server {

// ResourceExhausted "etcdserver: mvcc: database space exceeded" (etcd's ErrGRPCNoSpace).
absl::Status NoSpaceError();

// Raised alarms as (member id, AlarmType) pairs.
using Alarms = std::set<std::pair<uint64_t, int>>;

// `alarms` after `request`: ACTIVATE adds one (not NONE); DEACTIVATE removes those matching,
// where memberID 0 or alarm NONE matches every member or every alarm; GET changes nothing.
Alarms ApplyAlarmRequest(Alarms alarms, const etcdserverpb::AlarmRequest& request);

// The store record that holds the alarm set (key "alarms" in the server's keyspace).
kv::AuxWrite AlarmRecordWrite(const Alarms& alarms);
// The alarm set recorded in `store`; empty if none was ever recorded. Asserts the record parses
// (it is written only by AlarmRecordWrite, under the store's checksums).
Alarms LoadAlarms(const kv::MvccStore& store);

class AlarmSet {
public:
    // Applies an alarm entry's request (ApplyAlarmRequest).
    void Apply(const etcdserverpb::AlarmRequest& request);
    // Replaces the whole set, e.g. with LoadAlarms() of a newly opened or installed store.
    void Reset(Alarms alarms);

    // The raised alarms, ordered by (member, alarm); only those matching `alarm` unless NONE.
    std::vector<etcdserverpb::AlarmMember> List(
        etcdserverpb::AlarmType alarm = etcdserverpb::NONE) const;

    bool Has(etcdserverpb::AlarmType alarm) const;

    // NoSpaceError() if NOSPACE is raised and `command` could grow the store; OK otherwise.
    absl::Status CheckWrite(const keel::v1::Command& command) const;

    void CheckInvariants() const;

private:
    mutable std::mutex mu_;
    Alarms alarms_;  // guarded by mu_
};

}  // namespace keel::server
