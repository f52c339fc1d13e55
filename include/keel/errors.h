// The errors of keel's C++ client that a caller acts on. Every call returns absl::Status
// codes that map 1:1 to gRPC's; these helpers name the ones with a distinct remedy.
#pragma once

#include <absl/status/status.h>

namespace keel::client {

// The client's session expired (no activity for its TTL) or is unknown to the cluster. Writes
// of this client fail with it until the caller opens a new session (Client::OpenSession):
// the client never does so on its own, because re-sending a request in a new session could
// execute it twice (docs/client.md).
bool IsSessionExpired(const absl::Status& status);

// The call gave up without knowing whether its write executed (maybe semantics after a lost
// reply, or the deadline passed while retrying).
bool IsOutcomeUnknown(const absl::Status& status);

}  // namespace keel::client
