// The /health verdict of one member, as etcd gives it: healthy when no alarm is raised, a
// leader is known and a linearizable read goes through; otherwise unhealthy with the first
// reason found ("ALARM NOSPACE", "RAFT NO LEADER", "RANGE ERROR:<message>").
//
// Pure but for the read, which the caller supplies (http_endpoint.h serves the verdict).
// Threading: any thread.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <absl/status/status.h>

namespace keel::server {

// What the client asked (etcd's query parameters).
struct HealthRequest {
    // ?serializable=true: this member alone; skip the leader check and the linearizable read.
    bool serializable = false;
    // ?exclude=NOSPACE (repeatable): alarms that do not count.
    std::set<std::string> excluded_alarms;
};

// What the member reports.
struct HealthProbe {
    std::vector<std::string> alarms;  // raised alarm names, e.g. "NOSPACE"
    bool has_leader = false;
    // A linearizable read through Raft (RaftNode::WaitReadIndex with a short deadline).
    // Called only when the other checks passed and the request is not serializable.
    std::function<absl::Status()> linearizable_read;
};

struct HealthVerdict {
    bool healthy = false;
    std::string reason;  // empty when healthy

    // 200 or 503 (Service Unavailable), as etcd answers.
    int http_status() const { return healthy ? 200 : 503; }

    // {"health":"true"} or {"health":"false","reason":"..."}.
    std::string Json() const;
};

HealthVerdict CheckHealth(const HealthRequest& request, const HealthProbe& probe);

}  // namespace keel::server
