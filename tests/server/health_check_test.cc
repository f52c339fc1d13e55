#include "server/health_check.h"

#include <gtest/gtest.h>

namespace keel::server {
namespace {

HealthProbe Healthy(int* reads) {
    return HealthProbe{.alarms = {}, .has_leader = true, .linearizable_read = [reads] {
                           ++*reads;
                           return absl::OkStatus();
                       }};
}

TEST(HealthCheck, HealthyMemberAnswersTrue) {
    int reads = 0;
    const HealthVerdict v = CheckHealth(HealthRequest{}, Healthy(&reads));
    EXPECT_TRUE(v.healthy);
    EXPECT_EQ(v.http_status(), 200);
    EXPECT_EQ(v.Json(), "{\"health\":\"true\"}");
    EXPECT_EQ(reads, 1);
}

TEST(HealthCheck, NoLeaderIsUnhealthyWithEtcdsReason) {
    int reads = 0;
    HealthProbe probe = Healthy(&reads);
    probe.has_leader = false;
    const HealthVerdict v = CheckHealth(HealthRequest{}, probe);
    EXPECT_FALSE(v.healthy);
    EXPECT_EQ(v.http_status(), 503);
    EXPECT_EQ(v.Json(), "{\"health\":\"false\",\"reason\":\"RAFT NO LEADER\"}");
    EXPECT_EQ(reads, 0) << "no read without a leader";
    // ?serializable=true asks about this member alone.
    EXPECT_TRUE(CheckHealth(HealthRequest{.serializable = true}, probe).healthy);
}

TEST(HealthCheck, AlarmComesFirstAndCanBeExcluded) {
    int reads = 0;
    HealthProbe probe = Healthy(&reads);
    probe.alarms = {"NOSPACE"};
    probe.has_leader = false;
    HealthVerdict v = CheckHealth(HealthRequest{}, probe);
    EXPECT_EQ(v.reason, "ALARM NOSPACE");
    EXPECT_EQ(v.http_status(), 503);
    v = CheckHealth(HealthRequest{.excluded_alarms = {"NOSPACE"}}, probe);
    EXPECT_EQ(v.reason, "RAFT NO LEADER");
    probe.has_leader = true;
    EXPECT_TRUE(CheckHealth(HealthRequest{.excluded_alarms = {"NOSPACE"}}, probe).healthy);
}

TEST(HealthCheck, FailedReadIsUnhealthy) {
    HealthProbe probe{.has_leader = true, .linearizable_read = [] {
                          return absl::UnavailableError("etcdserver: request \"timed\" out");
                      }};
    const HealthVerdict v = CheckHealth(HealthRequest{}, probe);
    EXPECT_FALSE(v.healthy);
    EXPECT_EQ(v.Json(),
              "{\"health\":\"false\",\"reason\":\"RANGE ERROR:etcdserver: request \\\"timed\\\" "
              "out\"}");
}

}  // namespace
}  // namespace keel::server
