// FailStopIfFailed: what the loop thread does when a WAL write or fsync fails.
#pragma once

#include <cstdlib>

#include <absl/status/status.h>
#include <spdlog/spdlog.h>

namespace keel::server {

// A failed WAL write or fsync is not retried (the kernel may have dropped the pages): the
// process crashes and recovers by reopening (STYLE.md, Errors; storage/wal.h). This is an I/O
// failure, not a broken invariant: it is logged and the process exits with status 2, without
// running destructors under the other threads' feet.
inline void FailStopIfFailed(const absl::Status& status, const char* what) {
    if (status.ok()) {
        return;
    }
    spdlog::critical(
        "cannot {}: {}; stopping (after a failed WAL write or fsync the disk's "
        "contents are unknown; a restart recovers from what is durable)",
        what,
        status.ToString());
    spdlog::default_logger()->flush();
    std::_Exit(2);
}

}  // namespace keel::server
