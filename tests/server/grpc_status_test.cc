#include "server/grpc_status.h"

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "server/errors.h"

namespace keel::server {
namespace {

TEST(GrpcStatus, EtcdErrorsKeepCodeAndMessage) {
    struct Case {
        absl::Status status;
        grpc::StatusCode code;
        const char* message;
    };

    const Case cases[] = {
        {kv::EmptyKeyError(), grpc::INVALID_ARGUMENT, "etcdserver: key is not provided"},
        {kv::CompactedError(),
         grpc::OUT_OF_RANGE,
         "etcdserver: mvcc: required revision has been compacted"},
        {kv::FutureRevisionError(),
         grpc::OUT_OF_RANGE,
         "etcdserver: mvcc: required revision is a future revision"},
        {kv::DuplicateKeyError(),
         grpc::INVALID_ARGUMENT,
         "etcdserver: duplicate key given in txn request"},
        {kv::LeaseNotFoundError(), grpc::NOT_FOUND, "etcdserver: requested lease not found"},
        {RequestTooLargeError(), grpc::INVALID_ARGUMENT, "etcdserver: request is too large"},
        {NoLeaderError(), grpc::UNAVAILABLE, "etcdserver: no leader"},
        {LeaderChangedError(), grpc::UNAVAILABLE, "etcdserver: leader changed"},
        {RequestTimeoutError(), grpc::UNAVAILABLE, "etcdserver: request timed out"},
        {TooManyRequestsError(), grpc::RESOURCE_EXHAUSTED, "etcdserver: too many requests"},
        {StoppedError(), grpc::UNAVAILABLE, "etcdserver: server stopped"},
    };
    for (const Case& c : cases) {
        const grpc::Status mapped = ToGrpcStatus(c.status);
        EXPECT_EQ(mapped.error_code(), c.code) << c.message;
        EXPECT_EQ(mapped.error_message(), c.message);
        EXPECT_EQ(FromGrpcStatus(mapped), c.status);
    }
}

TEST(GrpcStatus, OkAndInternal) {
    EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
    const grpc::Status internal = ToGrpcStatus(absl::InternalError("rocksdb: io error"));
    EXPECT_EQ(internal.error_code(), grpc::INTERNAL);
    EXPECT_EQ(internal.error_message(), "etcdserver: rocksdb: io error");
}

TEST(GrpcStatus, NotLeaderIsRecognised) {
    EXPECT_TRUE(IsNotLeader(NotLeaderError()));
    EXPECT_FALSE(IsNotLeader(NoLeaderError()));
    EXPECT_FALSE(IsNotLeader(absl::UnavailableError("etcdserver: not leader!")));
}

}  // namespace
}  // namespace keel::server
