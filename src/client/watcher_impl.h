// WatcherImpl: keel/watcher.h's Watcher. One thread opens a Watch stream on an endpoint,
// delivers events, and on a broken stream backs off and re-creates the watch on the next
// endpoint from next_revision_ (the revision after the last delivered event).
//
// Threading: the thread runs Loop; Cancel may be called from any other thread.
// Invariant: next_revision_ never decreases.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include "client/endpoint_pool.h"
#include "keel/client_options.h"
#include "keel/watcher.h"

namespace keel::client {

class WatcherImpl final : public Watcher {
public:
    // `pool` outlives the watcher.
    WatcherImpl(EndpointPool* pool,
                const ClientOptions& options,
                std::string key,
                WatchOptions watch,
                WatchCallback callback);
    ~WatcherImpl() override;

    void Cancel() override;
    absl::Status status() const override;

    int64_t next_revision() const override { return next_revision_.load(); }

    uint64_t resumes() const override { return resumes_.load(); }

private:
    void Loop();
    // One stream, until it breaks (returns the gRPC status) or the watch ends.
    grpc::Status RunStream(Endpoint& endpoint);
    etcdserverpb::WatchRequest CreateRequest() const;
    // Delivers a response's events; false when it ended the watch.
    bool Deliver(const etcdserverpb::WatchResponse& response);

    EndpointPool* pool_;
    const ClientOptions options_;
    const std::string key_;
    const WatchOptions watch_;
    const WatchCallback callback_;
    std::atomic<int64_t> next_revision_;
    std::atomic<uint64_t> resumes_{0};
    std::atomic<bool> stopping_{false};

    mutable std::mutex mu_;
    grpc::ClientContext* context_ = nullptr;  // the open stream's, guarded by mu_
    absl::Status status_;                     // guarded by mu_
    std::thread thread_;
};

}  // namespace keel::client
