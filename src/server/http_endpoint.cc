#include "server/http_endpoint.h"

#include <atomic>
#include <chrono>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <httplib.h>
#include <sys/socket.h>

#include "base/assert.h"

namespace keel::server {
namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr char kJsonContentType[] = "application/json";
// How long Start waits for the accept loop to run (it starts at once; this only bounds a
// broken environment).
constexpr auto kStartTimeout = std::chrono::seconds(1);
constexpr auto kStartPollInterval = std::chrono::milliseconds(1);
constexpr auto kStopPollInterval = std::chrono::milliseconds(1);
// Bounds on one connection: a scraper that stalls cannot hold a worker for long.
constexpr time_t kReadTimeoutSeconds = 5;
constexpr time_t kWriteTimeoutSeconds = 5;
constexpr size_t kKeepAliveRequestsMax = 100;
constexpr size_t kExcludedAlarmsMax = 16;

HealthRequest ParseHealthRequest(const httplib::Request& request) {
    HealthRequest parsed;
    parsed.serializable = request.get_param_value("serializable") == "true";
    const size_t excluded = request.get_param_value_count("exclude");
    for (size_t i = 0; i < excluded && i < kExcludedAlarmsMax; ++i) {
        parsed.excluded_alarms.insert(request.get_param_value("exclude", i));
    }
    return parsed;
}

}  // namespace

HttpEndpoint::HttpEndpoint(HttpHandlers handlers)
    : handlers_(std::move(handlers)), http_(std::make_unique<httplib::Server>()) {}

HttpEndpoint::~HttpEndpoint() {
    if (!thread_.joinable()) {
        return;
    }
    // stop() only interrupts a running accept loop, and one that has not started yet (Start gave
    // up waiting for it) would start afterwards and never end: repeat until the loop has ended.
    while (!accept_loop_done_.load()) {
        http_->stop();
        std::this_thread::sleep_for(kStopPollInterval);
    }
    thread_.join();
}

absl::StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(const std::string& address,
                                                                  HttpHandlers handlers) {
    KEEL_ASSERT(handlers.metrics != nullptr);
    KEEL_ASSERT(handlers.health != nullptr);
    const size_t colon = address.rfind(':');
    int port = 0;
    if (colon == std::string::npos || colon == 0
        || !absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
        return absl::InvalidArgumentError(absl::StrCat("not host:port: ", address));
    }
    std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint(std::move(handlers)));
    endpoint->Route();
    httplib::Server& http = *endpoint->http_;
    const std::string host = address.substr(0, colon);
    if (port == 0) {
        port = http.bind_to_any_port(host);
    } else if (!http.bind_to_port(host, port)) {
        port = -1;
    }
    if (port <= 0) {
        return absl::UnavailableError(absl::StrCat("cannot listen on ", address));
    }
    endpoint->port_ = port;
    std::atomic<bool>& done = endpoint->accept_loop_done_;
    endpoint->thread_ = std::thread([&http, &done] {
        http.listen_after_bind();
        done.store(true);
    });
    // stop() only interrupts a running accept loop: wait until it runs, so that the destructor
    // cannot miss it.
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (!http.is_running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return absl::UnavailableError(absl::StrCat("HTTP server on ", address, " not started"));
        }
        std::this_thread::sleep_for(kStartPollInterval);
    }
    return endpoint;
}

void HttpEndpoint::Route() {
    httplib::Server& http = *http_;
    http.set_read_timeout(kReadTimeoutSeconds, 0);
    http.set_write_timeout(kWriteTimeoutSeconds, 0);
    http.set_keep_alive_max_count(kKeepAliveRequestsMax);
    // httplib's default also sets SO_REUSEPORT, with which a second keeld given the same
    // --listen-metrics-urls would bind too and the kernel would split scrapes between the two.
    // SO_REUSEADDR alone lets a restart rebind past TIME_WAIT and makes a taken port an error.
    http.set_socket_options([](int sock) {
        const int yes = 1;
        setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
        response.set_content(handlers_.metrics(), kMetricsContentType);
    });
    http.Get("/health", [this](const httplib::Request& request, httplib::Response& response) {
        const HealthVerdict verdict = handlers_.health(ParseHealthRequest(request));
        response.status = verdict.http_status();
        response.set_content(verdict.Json(), kJsonContentType);
    });
    http.Get("/version", [this](const httplib::Request&, httplib::Response& response) {
        response.set_content(handlers_.version_json, kJsonContentType);
    });
}

}  // namespace keel::server
