// keel-bench --session: one keel session per client (docs/sessions.md), registered before the
// run starts so that registration does not count in the measurement.
#pragma once

#include <cstdint>
#include <vector>

#include <absl/status/statusor.h>

#include "keel-bench/connections.h"

namespace keel::bench {

// Registers `count` sessions (60 s TTL) at whichever connection's member is the leader.
// Errors: Unavailable when no connection registers one (not keeld, or no leader).
absl::StatusOr<std::vector<uint64_t>> RegisterSessions(const std::vector<Connection>& connections,
                                                       int count);

}  // namespace keel::bench
