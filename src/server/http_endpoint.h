// HttpEndpoint: one HTTP listener of keeld (--listen-metrics-urls) serving
//   GET /metrics  the Prometheus text page (metrics_registry.h, server_metrics.h);
//   GET /health   etcd's health answer (health_check.h): 200 {"health":"true"} or
//                 503 {"health":"false","reason":"..."}; ?serializable=true, ?exclude=ALARM;
//   GET /version  {"etcdserver":"...","etcdcluster":"...","keel":"..."}.
// Anything else is 404. The client listener speaks gRPC only, so these live here.
//
// Owns a cpp-httplib server and the thread that runs its accept loop; httplib runs handlers on
// its own worker pool. Threading: Start and the destructor on one thread; the handlers on
// httplib's threads, concurrently.
// Invariant: whatever the handlers reference outlives the endpoint (the destructor stops and
// joins the server before returning).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <absl/status/statusor.h>

#include "server/health_check.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace keel::server {

struct HttpHandlers {
    std::function<std::string()> metrics;  // the /metrics page
    std::function<HealthVerdict(const HealthRequest&)> health;
    std::string version_json;  // the /version body
};

class HttpEndpoint {
public:
    // Binds `address` ("host:port"; port 0 picks a free one) and starts serving. Errors:
    // InvalidArgument if `address` is not host:port; Unavailable if it cannot be bound or the
    // server does not start within a second.
    static absl::StatusOr<std::unique_ptr<HttpEndpoint>> Start(const std::string& address,
                                                               HttpHandlers handlers);

    // Stops accepting, waits for the accept loop (also one that starts late) and the running
    // handlers.
    ~HttpEndpoint();
    HttpEndpoint(const HttpEndpoint&) = delete;
    HttpEndpoint& operator=(const HttpEndpoint&) = delete;

    int port() const { return port_; }

private:
    explicit HttpEndpoint(HttpHandlers handlers);
    void Route();

    const HttpHandlers handlers_;
    std::unique_ptr<httplib::Server> http_;
    int port_ = 0;
    std::thread thread_;
    std::atomic<bool> accept_loop_done_{false};  // set by thread_ when the accept loop returns
};

}  // namespace keel::server
