// LeaseKeepAlive: keeps one lease alive until it is destroyed, by refreshing it every third of
// its TTL on a keep-alive stream, re-opened on another member when one fails.
//
// Threading: owns one thread; Stop and the destructor join it.
#pragma once

#include <cstdint>

#include <absl/status/status.h>

namespace keel::client {

class LeaseKeepAlive {
public:
    virtual ~LeaseKeepAlive() = default;

    // Stops refreshing (the lease then expires after its TTL unless revoked). Idempotent.
    virtual void Stop() = 0;

    // OK while refreshing; NotFound once the server reports the lease gone.
    virtual absl::Status status() const = 0;

    // The TTL (seconds) of the latest refresh; 0 before the first.
    virtual int64_t last_ttl_s() const = 0;
};

}  // namespace keel::client
