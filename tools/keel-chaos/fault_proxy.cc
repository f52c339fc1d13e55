#include "fault_proxy.h"

#include <array>
#include <cerrno>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/assert.h"

namespace keel::chaos {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;
constexpr int kAcceptPollMs = 100;
constexpr int kListenBacklog = 64;

int ConnectTo(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    KEEL_ASSERT(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(fd);
        return -1;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

bool WriteAll(int fd, const char* data, size_t n) {
    while (n > 0) {
        const ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) {
                continue;
            }
            return false;
        }
        data += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

}  // namespace

FaultProxy::FaultProxy(int target_port, uint64_t seed)
    : target_port_(target_port), rng_state_(seed | 1) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    KEEL_ASSERT(listen_fd_ >= 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    KEEL_ASSERT(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    KEEL_ASSERT(::listen(listen_fd_, kListenBacklog) == 0);
    socklen_t len = sizeof(addr);
    KEEL_ASSERT(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
    stopping_ = true;
    accept_thread_.join();
    ::close(listen_fd_);
    CutAll();
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return threads_ == 0; });
}

void FaultProxy::SetPartitioned(bool partitioned) {
    partitioned_ = partitioned;
    if (partitioned) {
        CutAll();
    }
}

void FaultProxy::Heal() {
    partitioned_ = false;
    delay_ms_ = 0;
    drop_ppm_ = 0;
}

void FaultProxy::CutAll() {
    std::lock_guard lock(mu_);
    for (const int fd : open_fds_) {
        ::shutdown(fd, SHUT_RDWR);  // wakes the copy threads; they close the fds
    }
}

bool FaultProxy::Drop() {
    const uint32_t ppm = drop_ppm_;
    if (ppm == 0) {
        return false;
    }
    // splitmix64 on a shared atomic state: reproducible enough for fault timing.
    uint64_t z = rng_state_.fetch_add(0x9e3779b97f4a7c15ULL) + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return z % 1'000'000 < ppm;
}

void FaultProxy::AcceptLoop() {
    while (!stopping_) {
        pollfd p{.fd = listen_fd_, .events = POLLIN, .revents = 0};
        if (::poll(&p, 1, kAcceptPollMs) <= 0) {
            continue;
        }
        const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) {
            continue;
        }
        ++accepted_;
        if (partitioned_) {
            ::close(client);
            continue;
        }
        Serve(client);
    }
}

void FaultProxy::Serve(int client_fd) {
    const int upstream = ConnectTo(target_port_);
    if (upstream < 0) {
        ::close(client_fd);
        return;
    }
    const int one = 1;
    ::setsockopt(client_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard lock(mu_);
    open_fds_.insert(client_fd);
    open_fds_.insert(upstream);
    threads_ += 2;
    // Each direction's thread owns closing the fd it reads from once the other is done:
    // shutdown() on both wakes the peer thread, and the last one out closes both.
    auto pair_done = std::make_shared<std::atomic<int>>(0);
    auto run = [this, pair_done, client_fd, upstream](int from, int to) {
        Copy(from, to);
        std::lock_guard inner(mu_);
        ::shutdown(from, SHUT_RDWR);
        ::shutdown(to, SHUT_RDWR);
        if (pair_done->fetch_add(1) == 1) {
            open_fds_.erase(client_fd);
            open_fds_.erase(upstream);
            ::close(client_fd);
            ::close(upstream);
        }
        --threads_;
        cv_.notify_all();
    };
    std::thread(run, client_fd, upstream).detach();
    std::thread(run, upstream, client_fd).detach();
}

void FaultProxy::Copy(int from_fd, int to_fd) {
    std::array<char, kChunkBytes> buffer{};
    while (!stopping_ && !partitioned_) {
        const ssize_t n = ::recv(from_fd, buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            return;
        }
        const int64_t delay = delay_ms_;
        if (delay > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(delay));
        }
        if (partitioned_ || Drop()) {
            return;
        }
        if (!WriteAll(to_fd, buffer.data(), static_cast<size_t>(n))) {
            return;
        }
    }
}

}  // namespace keel::chaos
