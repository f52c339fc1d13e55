// GrpcFaultProxy: a TCP proxy on 127.0.0.1 between a gRPC client and one server that reads the
// HTTP/2 frames going through it, so a test can lose a whole request or a whole reply (a gRPC
// message travels in DATA frames) and produce the failure classes of request-reply.
//
// Losing a message cuts its connection (TCP cannot lose bytes in the middle of a stream): the
// client sees a broken connection; the server has, or has not, received the request.
//   - DropNextRequests(n): the next n request messages are not forwarded (request lost);
//   - DropReplies(every): reply messages 1, 1 + every, 1 + 2 * every, ... are not forwarded
//     (reply lost, after the server executed the request); every = 1 loses all replies;
//   - OnNextRequest(hook): runs `hook` on the proxy's thread right after the next request
//     message was forwarded (e.g. to kill the server after it received the request).
//
// Threading: one accept thread plus two copy threads per connection; the setters are
// thread-safe. Invariant: once the destructor returns, no thread of the proxy runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace keel::testing {

class GrpcFaultProxy {
public:
    // Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:`target_port`.
    explicit GrpcFaultProxy(int target_port);
    ~GrpcFaultProxy();
    GrpcFaultProxy(const GrpcFaultProxy&) = delete;
    GrpcFaultProxy& operator=(const GrpcFaultProxy&) = delete;

    // "127.0.0.1:port", for a client's endpoints.
    std::string address() const;

    void DropNextRequests(int count) { drop_requests_ = count; }

    void DropReplies(int every) { drop_replies_every_ = every; }

    void OnNextRequest(std::function<void()> hook);

    uint64_t requests_dropped() const { return requests_dropped_; }

    uint64_t replies_dropped() const { return replies_dropped_; }

private:
    enum class Direction {
        kRequest,
        kReply
    };

    void AcceptLoop();
    void Copy(int from_fd, int to_fd, Direction direction);
    // Whether to lose this message (a non-empty DATA frame).
    bool Lose(Direction direction);
    void RunHook();

    int target_port_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> drop_requests_{0};
    std::atomic<int> drop_replies_every_{0};
    std::atomic<uint64_t> replies_seen_{0};
    std::atomic<uint64_t> requests_dropped_{0};
    std::atomic<uint64_t> replies_dropped_{0};

    std::mutex mu_;
    std::function<void()> hook_;        // guarded by mu_
    std::set<int> open_fds_;            // guarded by mu_
    std::vector<std::thread> copiers_;  // guarded by mu_
    std::thread accept_thread_;
};

}  // namespace keel::testing
