#include "server/http_endpoint.h"

#include <atomic>
#include <string>

#include <gtest/gtest.h>
#include <httplib.h>

namespace keel::server {
namespace {

constexpr int kStartStopCycles = 200;

HttpHandlers Handlers(std::atomic<int>* health_probes) {
    return HttpHandlers{
        .metrics = [] { return std::string("keel_up 1\n"); },
        .health =
            [health_probes](const HealthRequest& request) {
                ++*health_probes;
                if (request.serializable) {
                    return HealthVerdict{.healthy = true};
                }
                return HealthVerdict{.healthy = false, .reason = "RAFT NO LEADER"};
            },
        .version_json = R"({"etcdserver":"3.4.0"})",
    };
}

TEST(HttpEndpoint, ServesMetricsHealthAndVersion) {
    std::atomic<int> probes = 0;
    auto endpoint = HttpEndpoint::Start("127.0.0.1:0", Handlers(&probes));
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    httplib::Client client("127.0.0.1", (*endpoint)->port());

    auto metrics = client.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->status, 200);
    EXPECT_EQ(metrics->body, "keel_up 1\n");
    EXPECT_EQ(metrics->get_header_value("Content-Type").rfind("text/plain", 0), 0u);

    auto unhealthy = client.Get("/health");
    ASSERT_TRUE(unhealthy);
    EXPECT_EQ(unhealthy->status, 503);
    EXPECT_EQ(unhealthy->body, R"({"health":"false","reason":"RAFT NO LEADER"})");

    auto healthy = client.Get("/health?serializable=true");
    ASSERT_TRUE(healthy);
    EXPECT_EQ(healthy->status, 200);
    EXPECT_EQ(healthy->body, R"({"health":"true"})");
    EXPECT_EQ(probes.load(), 2);

    auto version = client.Get("/version");
    ASSERT_TRUE(version);
    EXPECT_EQ(version->body, R"({"etcdserver":"3.4.0"})");

    auto missing = client.Get("/v3/kv/range");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
}

TEST(HttpEndpoint, RejectsAnAddressWithoutPort) {
    std::atomic<int> probes = 0;
    auto endpoint = HttpEndpoint::Start("localhost", Handlers(&probes));
    ASSERT_FALSE(endpoint.ok());
    EXPECT_EQ(endpoint.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HttpEndpoint, PortInUseIsUnavailable) {
    std::atomic<int> probes = 0;
    auto first = HttpEndpoint::Start("127.0.0.1:0", Handlers(&probes));
    ASSERT_TRUE(first.ok()) << first.status();
    auto second =
        HttpEndpoint::Start("127.0.0.1:" + std::to_string((*first)->port()), Handlers(&probes));
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

// Destroying an endpoint right after it starts always ends its accept loop (the test's
// timeout catches a destructor that hangs) and frees the port for the next one.
TEST(HttpEndpoint, StartAndStopRepeatedlyOnOnePort) {
    std::atomic<int> probes = 0;
    int port = 0;
    for (int i = 0; i < kStartStopCycles; ++i) {
        auto endpoint = HttpEndpoint::Start("127.0.0.1:" + std::to_string(port), Handlers(&probes));
        ASSERT_TRUE(endpoint.ok()) << "cycle " << i << ": " << endpoint.status();
        port = (*endpoint)->port();
    }
    EXPECT_GT(port, 0);
}

}  // namespace
}  // namespace keel::server
