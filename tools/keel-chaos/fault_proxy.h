// FaultProxy: a TCP proxy on 127.0.0.1 in front of one peer link (member i dialing member j),
// with faults the nemesis switches at run time.
//
//   - partitioned: every open connection is cut and new ones are closed on accept, as if the
//     link were down (gRPC sees a broken stream, then refused reconnects);
//   - delay: every chunk waits this long before it is forwarded (both directions);
//   - drop: each forwarded chunk cuts its connection with this probability (a TCP stream
//     cannot lose bytes, so dropped traffic shows up as a reset link, as on a real network).
//
// Threading: one accept thread plus two copy threads per connection; the fault setters are
// thread-safe. Invariant: after the destructor returns no thread of this object is alive.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

namespace keel::chaos {

class FaultProxy {
public:
    // Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:`target_port`.
    explicit FaultProxy(int target_port, uint64_t seed);
    ~FaultProxy();
    FaultProxy(const FaultProxy&) = delete;
    FaultProxy& operator=(const FaultProxy&) = delete;

    int port() const { return port_; }

    void SetPartitioned(bool partitioned);

    void SetDelay(std::chrono::milliseconds delay) { delay_ms_ = delay.count(); }

    // Per-chunk probability of cutting the connection, in parts per million.
    void SetDropPpm(uint32_t ppm) { drop_ppm_ = ppm; }

    // Clears every fault.
    void Heal();

    uint64_t connections_accepted() const { return accepted_; }

private:
    void AcceptLoop();
    void Serve(int client_fd);
    void Copy(int from_fd, int to_fd);
    bool Drop();
    void CutAll();

    int target_port_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> partitioned_{false};
    std::atomic<int64_t> delay_ms_{0};
    std::atomic<uint32_t> drop_ppm_{0};
    std::atomic<uint64_t> accepted_{0};
    std::atomic<uint64_t> rng_state_;

    std::mutex mu_;
    std::condition_variable cv_;
    std::set<int> open_fds_;  // guarded by mu_
    int threads_ = 0;         // live copy threads, guarded by mu_
    std::thread accept_thread_;
};

}  // namespace keel::chaos
