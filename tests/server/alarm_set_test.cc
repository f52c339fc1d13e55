#include "server/alarm_set.h"

#include <gtest/gtest.h>

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;

pb::AlarmRequest Request(pb::AlarmRequest::AlarmAction action, uint64_t member, pb::AlarmType t) {
    pb::AlarmRequest request;
    request.set_action(action);
    request.set_memberid(member);
    request.set_alarm(t);
    return request;
}

keel::v1::Command PutCommand() {
    keel::v1::Command command;
    command.mutable_put()->set_key("k");
    return command;
}

TEST(AlarmSet, NoSpaceBlocksGrowingWritesUntilDisarmed) {
    AlarmSet alarms;
    EXPECT_TRUE(alarms.CheckWrite(PutCommand()).ok());
    alarms.Apply(Request(pb::AlarmRequest::ACTIVATE, 7, pb::NOSPACE));
    alarms.Apply(Request(pb::AlarmRequest::ACTIVATE, 7, pb::NOSPACE));  // idempotent
    ASSERT_EQ(alarms.List().size(), 1U);
    EXPECT_EQ(alarms.List()[0].memberid(), 7U);
    EXPECT_EQ(alarms.List()[0].alarm(), pb::NOSPACE);

    const absl::Status refused = alarms.CheckWrite(PutCommand());
    EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_EQ(refused.message(), "etcdserver: mvcc: database space exceeded");

    keel::v1::Command grant;
    grant.mutable_lease_grant()->set_ttl(10);
    EXPECT_FALSE(alarms.CheckWrite(grant).ok());
    // A txn that puts only in a nested branch grows the store too.
    keel::v1::Command nested;
    *nested.mutable_txn()
         ->add_failure()
         ->mutable_request_txn()
         ->add_success()
         ->mutable_request_put() = PutCommand().put();
    EXPECT_FALSE(alarms.CheckWrite(nested).ok());
    // Deletes, compaction and revokes make room: they pass.
    keel::v1::Command del;
    del.mutable_delete_range()->set_key("k");
    EXPECT_TRUE(alarms.CheckWrite(del).ok());
    keel::v1::Command revoke;
    revoke.mutable_lease_revoke()->set_id(1);
    EXPECT_TRUE(alarms.CheckWrite(revoke).ok());

    alarms.Apply(Request(pb::AlarmRequest::DEACTIVATE, 7, pb::NOSPACE));
    EXPECT_TRUE(alarms.List().empty());
    EXPECT_TRUE(alarms.CheckWrite(PutCommand()).ok());
    alarms.CheckInvariants();
}

TEST(AlarmSet, DeactivateMatchesMemberAndType) {
    AlarmSet alarms;
    alarms.Apply(Request(pb::AlarmRequest::ACTIVATE, 1, pb::NOSPACE));
    alarms.Apply(Request(pb::AlarmRequest::ACTIVATE, 2, pb::NOSPACE));
    alarms.Apply(Request(pb::AlarmRequest::ACTIVATE, 2, pb::CORRUPT));
    alarms.Apply(Request(pb::AlarmRequest::ACTIVATE, 3, pb::NONE));  // ignored
    EXPECT_EQ(alarms.List().size(), 3U);
    EXPECT_EQ(alarms.List(pb::CORRUPT).size(), 1U);
    alarms.Apply(Request(pb::AlarmRequest::DEACTIVATE, 2, pb::NONE));
    ASSERT_EQ(alarms.List().size(), 1U);
    EXPECT_EQ(alarms.List()[0].memberid(), 1U);
    alarms.Apply(Request(pb::AlarmRequest::DEACTIVATE, 0, pb::NOSPACE));
    EXPECT_TRUE(alarms.List().empty());
}

}  // namespace
}  // namespace keel::server
