// keeld end to end: the HTTP listener of --listen-metrics-urls on a three-member cluster.
// /metrics in Prometheus' text format moves with the writes (commit index, apply lag, fsync and
// apply histograms, watchers); /health is 200 {"health":"true"} while a quorum stands and turns
// 503 on the last member left; /version is JSON; anything else is 404.
#include <chrono>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "e2e/keeld_cluster.h"
#include "e2e/process.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kPuts = 50;
constexpr auto kPortTimeout = 10s;
constexpr auto kSettleTimeout = 10s;
// Two of three members gone: the survivor's election timeout (10 ticks of 50 ms), then at most
// the health check's one-second read.
constexpr auto kUnhealthyTimeout = 15s;
constexpr auto kPollInterval = 100ms;

// The unlabelled samples of a /metrics page (name -> value); histogram _sum and _count too.
std::map<std::string, double> ParseSamples(const std::string& page) {
    std::map<std::string, double> samples;
    std::istringstream lines(page);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] == '#' || line.find('{') != std::string::npos) {
            continue;
        }
        const size_t space = line.find(' ');
        if (space != std::string::npos) {
            samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
        }
    }
    return samples;
}

class KeeldHttpTest : public ::testing::Test {
protected:
    void SetUp() override {
        leader_ = cluster_.WaitForLeader();
        ASSERT_TRUE(leader_.has_value()) << cluster_.Logs();
        for (int i = 0; i < cluster_.size(); ++i) {
            ASSERT_TRUE(WaitForPort(cluster_.MetricsPort(i), kPortTimeout)) << cluster_.Logs();
        }
    }

    httplib::Result Get(int member, const std::string& path) {
        httplib::Client http("127.0.0.1", cluster_.MetricsPort(member));
        http.set_connection_timeout(2, 0);
        http.set_read_timeout(5, 0);
        return http.Get(path);
    }

    // Member i's page, parsed; empty if the scrape failed.
    std::map<std::string, double> Scrape(int member) {
        const httplib::Result page = Get(member, "/metrics");
        if (!page || page->status != 200) {
            return {};
        }
        return ParseSamples(page->body);
    }

    KeeldCluster cluster_{KeeldClusterOptions{.metrics = true}};
    std::optional<int> leader_;
};

TEST_F(KeeldHttpTest, MetricsPageIsPrometheusTextAndTracksWrites) {
    const httplib::Result page = Get(*leader_, "/metrics");
    ASSERT_TRUE(page) << httplib::to_string(page.error());
    EXPECT_EQ(page->status, 200);
    EXPECT_EQ(page->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_NE(page->body.find("# TYPE etcd_disk_wal_fsync_duration_seconds histogram\n"),
              std::string::npos)
        << page->body;
    EXPECT_NE(page->body.find("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"} "),
              std::string::npos);
    EXPECT_NE(page->body.find("etcd_server_version{server_version=\"3.4.23-keel\"} 1\n"),
              std::string::npos);

    // Every member knows the leader; exactly one is it.
    double leaders = 0;
    for (int i = 0; i < cluster_.size(); ++i) {
        std::map<std::string, double> m = Scrape(i);
        ASSERT_FALSE(m.empty()) << "member " << i;
        EXPECT_EQ(m["etcd_server_has_leader"], 1) << "member " << i;
        EXPECT_GE(m["etcd_server_leader_changes_seen_total"], 1) << "member " << i;
        leaders += m["etcd_server_is_leader"];
    }
    EXPECT_EQ(leaders, 1);
    EXPECT_EQ(Scrape(*leader_)["etcd_server_is_leader"], 1);

    std::map<std::string, double> before = Scrape(*leader_);
    auto kv = etcdserverpb::KV::NewStub(
        grpc::CreateChannel(cluster_.ClientAddress(*leader_), grpc::InsecureChannelCredentials()));
    for (int i = 0; i < kPuts; ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + 5s);
        etcdserverpb::PutRequest put;
        put.set_key("k" + std::to_string(i));
        put.set_value("v");
        etcdserverpb::PutResponse response;
        ASSERT_TRUE(kv->Put(&context, put, &response).ok()) << cluster_.Logs();
    }
    std::map<std::string, double> after = Scrape(*leader_);
    EXPECT_GE(after["etcd_server_proposals_committed_total"],
              before["etcd_server_proposals_committed_total"] + kPuts);
    EXPECT_GE(after["etcd_server_proposals_applied_total"],
              before["etcd_server_proposals_applied_total"] + kPuts);
    EXPECT_EQ(after["etcd_server_proposals_failed_total"], 0);
    EXPECT_GT(after["etcd_disk_wal_fsync_duration_seconds_count"],
              before["etcd_disk_wal_fsync_duration_seconds_count"]);
    EXPECT_GT(after["etcd_disk_backend_commit_duration_seconds_count"],
              before["etcd_disk_backend_commit_duration_seconds_count"]);
    EXPECT_GT(after["etcd_mvcc_db_total_size_in_bytes"], 0);

    // Every member catches up: commit == applied, lag 0.
    for (int i = 0; i < cluster_.size(); ++i) {
        const auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
        std::map<std::string, double> m = Scrape(i);
        while (std::chrono::steady_clock::now() < deadline
               && (m["etcd_server_proposals_applied_total"]
                       < after["etcd_server_proposals_committed_total"]
                   || m["keel_server_apply_lag_entries"] != 0
                   || m["etcd_server_proposals_pending"] != 0)) {
            std::this_thread::sleep_for(kPollInterval);
            m = Scrape(i);
        }
        EXPECT_EQ(m["keel_server_apply_lag_entries"], 0) << "member " << i;
        EXPECT_EQ(m["etcd_server_proposals_applied_total"],
                  m["etcd_server_proposals_committed_total"])
            << "member " << i;
        EXPECT_EQ(m["etcd_server_proposals_pending"], 0) << "member " << i;
    }
}

TEST_F(KeeldHttpTest, WatchersAreCounted) {
    const int member = (*leader_ + 1) % cluster_.size();
    auto watch = etcdserverpb::Watch::NewStub(
        grpc::CreateChannel(cluster_.ClientAddress(member), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 20s);
    auto stream = watch->Watch(&context);
    etcdserverpb::WatchRequest create;
    create.mutable_create_request()->set_key("w");
    ASSERT_TRUE(stream->Write(create));
    etcdserverpb::WatchResponse created;
    ASSERT_TRUE(stream->Read(&created));
    EXPECT_TRUE(created.created());

    std::map<std::string, double> m = Scrape(member);
    EXPECT_EQ(m["etcd_debugging_mvcc_watch_stream_total"], 1);
    EXPECT_EQ(m["etcd_debugging_mvcc_watcher_total"], 1);

    context.TryCancel();
    const auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
    while (std::chrono::steady_clock::now() < deadline
           && Scrape(member)["etcd_debugging_mvcc_watch_stream_total"] != 0) {
        std::this_thread::sleep_for(kPollInterval);
    }
    m = Scrape(member);
    EXPECT_EQ(m["etcd_debugging_mvcc_watch_stream_total"], 0);
    EXPECT_EQ(m["etcd_debugging_mvcc_watcher_total"], 0);
}

TEST_F(KeeldHttpTest, VersionAndUnknownPath) {
    const httplib::Result version = Get(*leader_, "/version");
    ASSERT_TRUE(version);
    EXPECT_EQ(version->status, 200);
    const nlohmann::json body = nlohmann::json::parse(version->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << version->body;
    EXPECT_EQ(body.value("etcdserver", ""), "3.4.23-keel");
    EXPECT_EQ(body.value("etcdcluster", ""), "3.4.0");
    EXPECT_FALSE(body.value("keel", "").empty()) << version->body;

    const httplib::Result missing = Get(*leader_, "/no-such-page");
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);
}

TEST_F(KeeldHttpTest, HealthTurnsFalseWhenQuorumIsLost) {
    // A cluster that has just elected its leader may time out the first ReadIndex on a loaded
    // machine: wait, within kSettleTimeout, for each member to turn healthy.
    for (int i = 0; i < cluster_.size(); ++i) {
        const auto settle = std::chrono::steady_clock::now() + kSettleTimeout;
        httplib::Result health = Get(i, "/health");
        while (std::chrono::steady_clock::now() < settle && (!health || health->status != 200)) {
            std::this_thread::sleep_for(kPollInterval);
            health = Get(i, "/health");
        }
        ASSERT_TRUE(health) << "member " << i;
        EXPECT_EQ(health->status, 200) << "member " << i << ": " << health->body;
        EXPECT_EQ(health->body, "{\"health\":\"true\"}");
    }

    // Keep one follower; kill the leader and the other follower (SIGKILL by PID).
    const int survivor = (*leader_ + 1) % cluster_.size();
    for (int i = 0; i < cluster_.size(); ++i) {
        if (i != survivor) {
            cluster_.Kill(i);
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + kUnhealthyTimeout;
    httplib::Result health = Get(survivor, "/health");
    while (std::chrono::steady_clock::now() < deadline && (!health || health->status != 503)) {
        std::this_thread::sleep_for(kPollInterval);
        health = Get(survivor, "/health");
    }
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 503) << health->body;
    const nlohmann::json body = nlohmann::json::parse(health->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << health->body;
    EXPECT_EQ(body.value("health", ""), "false");
    EXPECT_FALSE(body.value("reason", "").empty()) << health->body;
    // The member itself still answers a serializable probe.
    const httplib::Result local = Get(survivor, "/health?serializable=true");
    ASSERT_TRUE(local);
    EXPECT_EQ(local->status, 200) << local->body;
}

}  // namespace
}  // namespace keel::testing
