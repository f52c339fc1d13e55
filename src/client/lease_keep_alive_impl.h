// LeaseKeepAliveImpl: keel/lease_keep_alive.h's LeaseKeepAlive. One thread holds a
// LeaseKeepAlive stream open, sends a refresh every third of the TTL, and re-opens the stream on
// the next endpoint after a failure (with backoff).
//
// Threading: the thread runs Loop; Stop may be called from any other thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "client/endpoint_pool.h"
#include "keel/client_options.h"
#include "keel/lease_keep_alive.h"

namespace keel::client {

class LeaseKeepAliveImpl final : public LeaseKeepAlive {
public:
    // `pool` outlives this object.
    LeaseKeepAliveImpl(EndpointPool* pool, const ClientOptions& options, int64_t id);
    ~LeaseKeepAliveImpl() override;

    void Stop() override;
    absl::Status status() const override;

    int64_t last_ttl_s() const override { return last_ttl_s_.load(); }

private:
    void Loop();
    // Refreshes on one stream until it fails; false when the lease is gone or we stop.
    bool RunStream(Endpoint& endpoint);

    EndpointPool* pool_;
    const ClientOptions options_;
    const int64_t id_;
    std::atomic<int64_t> last_ttl_s_{0};

    mutable std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;                   // guarded by mu_
    grpc::ClientContext* context_ = nullptr;  // guarded by mu_
    absl::Status status_;                     // guarded by mu_
    std::thread thread_;
};

}  // namespace keel::client
