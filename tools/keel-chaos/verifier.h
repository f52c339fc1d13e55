// The end-of-run checks of the chaos harness, against a healed cluster:
//   - convergence, over the current membership (ChaosCluster::Current): every member's
//     Maintenance.HashKV at the final revision is equal, and so is every member's whole MVCC
//     history of the keyspace (one Range per revision, serializable, so each member answers
//     from its own store);
//   - durability: every acknowledged write is in that history at the revision it was given;
//   - linearizability of the client history (unknown writes whose unique value never appears
//     in the history are resolved as failed);
//   - watch streams against the history.
//
// Threading: called on the harness thread after the workload and nemesis have stopped.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "chaos_cluster.h"
#include "check/history.h"
#include "check/linearizability.h"
#include "check/watch_checker.h"
#include "workload.h"

namespace keel::chaos {

// The keyspace's write log: revision -> the event at that revision.
using WriteLog = std::map<int64_t, check::WatchEvent>;

struct Verdicts {
    std::vector<std::string> failures;  // empty: the run passed
    int64_t final_revision = 0;
    size_t unknown_writes = 0;
    size_t unknown_applied = 0;
    check::CheckResult linearizability;
    std::string watch;  // "ok", "unsupported" or the failure
};

// Waits (up to `timeout`) until every member reports the same revision twice in a row, then
// reads and compares the members' histories. `failures` gets what differs.
WriteLog ReadConvergedLog(ChaosCluster& cluster,
                          std::chrono::milliseconds timeout,
                          std::vector<std::string>& failures,
                          int64_t& final_revision);

// Everything after convergence: durability, linearizability, watches.
Verdicts CheckRun(const WriteLog& log,
                  int64_t final_revision,
                  const check::History& history,
                  const std::vector<AckedWrite>& acked,
                  const Workload& workload);

}  // namespace keel::chaos
