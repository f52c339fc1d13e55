#include "server/health_check.h"

#include <nlohmann/json.hpp>

namespace keel::server {

std::string HealthVerdict::Json() const {
    nlohmann::json body = {{"health", healthy ? "true" : "false"}};
    if (!healthy) {
        body["reason"] = reason;
    }
    // Replace, never throw, on a message that is not UTF-8.
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HealthVerdict CheckHealth(const HealthRequest& request, const HealthProbe& probe) {
    for (const std::string& alarm : probe.alarms) {
        if (!request.excluded_alarms.contains(alarm)) {
            return HealthVerdict{.healthy = false, .reason = "ALARM " + alarm};
        }
    }
    if (request.serializable) {
        return HealthVerdict{.healthy = true};
    }
    if (!probe.has_leader) {
        return HealthVerdict{.healthy = false, .reason = "RAFT NO LEADER"};
    }
    if (probe.linearizable_read != nullptr) {
        if (const absl::Status read = probe.linearizable_read(); !read.ok()) {
            return HealthVerdict{.healthy = false,
                                 .reason = "RANGE ERROR:" + std::string(read.message())};
        }
    }
    return HealthVerdict{.healthy = true};
}

}  // namespace keel::server
