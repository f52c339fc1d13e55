#include "e2e/grpc_fault_proxy.h"

#include <cstring>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace keel::testing {
namespace {

constexpr std::string_view kClientPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr size_t kFrameHeaderBytes = 9;
constexpr uint8_t kDataFrame = 0x0;
constexpr int kPollMs = 100;

int Listen(int* port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
        || ::listen(fd, 64) != 0) {
        ::close(fd);
        return -1;
    }
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    *port = ntohs(addr.sin_port);
    return fd;
}

int Dial(int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

bool WriteAll(int fd, const char* data, size_t size) {
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

GrpcFaultProxy::GrpcFaultProxy(int target_port) : target_port_(target_port) {
    listen_fd_ = Listen(&port_);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
}

GrpcFaultProxy::~GrpcFaultProxy() {
    stopping_ = true;
    accept_thread_.join();
    ::close(listen_fd_);
    std::vector<std::thread> copiers;
    {
        std::lock_guard lock(mu_);
        for (const int fd : open_fds_) {
            ::shutdown(fd, SHUT_RDWR);
        }
        copiers.swap(copiers_);
    }
    for (std::thread& t : copiers) {
        t.join();
    }
    std::lock_guard lock(mu_);
    for (const int fd : open_fds_) {
        ::close(fd);
    }
}

std::string GrpcFaultProxy::address() const {
    return "127.0.0.1:" + std::to_string(port_);
}

void GrpcFaultProxy::OnNextRequest(std::function<void()> hook) {
    std::lock_guard lock(mu_);
    hook_ = std::move(hook);
}

void GrpcFaultProxy::RunHook() {
    std::function<void()> hook;
    {
        std::lock_guard lock(mu_);
        hook.swap(hook_);
    }
    if (hook) {
        hook();
    }
}

bool GrpcFaultProxy::Lose(Direction direction) {
    if (direction == Direction::kRequest) {
        int remaining = drop_requests_.load();
        while (remaining > 0) {
            if (drop_requests_.compare_exchange_weak(remaining, remaining - 1)) {
                ++requests_dropped_;
                return true;
            }
        }
        return false;
    }
    const uint64_t n = replies_seen_++;
    const int every = drop_replies_every_.load();
    if (every > 0 && n % static_cast<uint64_t>(every) == 0) {
        ++replies_dropped_;
        return true;
    }
    return false;
}

void GrpcFaultProxy::AcceptLoop() {
    while (!stopping_) {
        pollfd p{.fd = listen_fd_, .events = POLLIN, .revents = 0};
        if (::poll(&p, 1, kPollMs) <= 0) {
            continue;
        }
        const int client_fd = ::accept(listen_fd_, nullptr, nullptr);
        if (client_fd < 0) {
            continue;
        }
        const int server_fd = Dial(target_port_);
        if (server_fd < 0) {
            ::close(client_fd);  // the server is down: as unreachable as it gets
            continue;
        }
        std::lock_guard lock(mu_);
        open_fds_.insert(client_fd);
        open_fds_.insert(server_fd);
        copiers_.emplace_back(
            [this, client_fd, server_fd] { Copy(client_fd, server_fd, Direction::kRequest); });
        copiers_.emplace_back(
            [this, client_fd, server_fd] { Copy(server_fd, client_fd, Direction::kReply); });
    }
}

// Forwards whole HTTP/2 frames from `from_fd` to `to_fd`; losing a message cuts both sockets.
void GrpcFaultProxy::Copy(int from_fd, int to_fd, Direction direction) {
    std::string pending;
    // The client's connection preface precedes its first frame; forward it untouched.
    size_t preface_left = direction == Direction::kRequest ? kClientPreface.size() : 0;
    char buffer[16384];
    while (!stopping_) {
        pollfd p{.fd = from_fd, .events = POLLIN, .revents = 0};
        if (::poll(&p, 1, kPollMs) == 0) {
            continue;
        }
        const ssize_t n = ::recv(from_fd, buffer, sizeof(buffer), 0);
        if (n <= 0) {
            break;
        }
        pending.append(buffer, static_cast<size_t>(n));
        std::string out;
        if (preface_left > 0) {
            const size_t take = std::min(preface_left, pending.size());
            out.append(pending, 0, take);
            pending.erase(0, take);
            preface_left -= take;
        }
        bool cut = false;
        bool forwarded_request = false;
        while (pending.size() >= kFrameHeaderBytes) {
            const auto* h = reinterpret_cast<const unsigned char*>(pending.data());
            const size_t length = (size_t{h[0]} << 16) | (size_t{h[1]} << 8) | h[2];
            if (pending.size() < kFrameHeaderBytes + length) {
                break;
            }
            const uint32_t stream = ((uint32_t{h[5]} & 0x7f) << 24) | (uint32_t{h[6]} << 16)
                                    | (uint32_t{h[7]} << 8) | h[8];
            const bool message = h[3] == kDataFrame && stream != 0 && length > 0;
            if (message && Lose(direction)) {
                cut = true;
                break;
            }
            forwarded_request = forwarded_request || (message && direction == Direction::kRequest);
            out.append(pending, 0, kFrameHeaderBytes + length);
            pending.erase(0, kFrameHeaderBytes + length);
        }
        if (!WriteAll(to_fd, out.data(), out.size())) {
            break;
        }
        if (forwarded_request) {
            RunHook();
        }
        if (cut) {
            break;
        }
    }
    // Either side ending (or a lost message) ends the connection in both directions.
    ::shutdown(from_fd, SHUT_RDWR);
    ::shutdown(to_fd, SHUT_RDWR);
}

}  // namespace keel::testing
