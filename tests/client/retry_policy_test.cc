#include "client/retry_policy.h"

#include <gtest/gtest.h>

namespace keel::client {
namespace {

using absl::StatusCode;

TEST(RetryPolicy, RefusalsBeforeProposingDidNotExecute) {
    EXPECT_EQ(ClassifyFailure(StatusCode::kUnavailable, "etcdserver: not leader"),
              AttemptFailure::kNotExecuted);
    EXPECT_EQ(ClassifyFailure(StatusCode::kUnavailable, "etcdserver: no leader"),
              AttemptFailure::kNotExecuted);
    EXPECT_EQ(ClassifyFailure(StatusCode::kUnavailable,
                              "failed to connect to all addresses; last error: refused"),
              AttemptFailure::kNotExecuted);
    EXPECT_EQ(ClassifyFailure(StatusCode::kResourceExhausted, "etcdserver: too many requests"),
              AttemptFailure::kNotExecuted);
}

TEST(RetryPolicy, LostAnswersHaveUnknownOutcome) {
    EXPECT_EQ(ClassifyFailure(StatusCode::kDeadlineExceeded, "Deadline Exceeded"),
              AttemptFailure::kOutcomeUnknown);
    EXPECT_EQ(ClassifyFailure(StatusCode::kUnavailable, "etcdserver: request timed out"),
              AttemptFailure::kOutcomeUnknown);
    EXPECT_EQ(ClassifyFailure(StatusCode::kUnavailable, "etcdserver: leader changed"),
              AttemptFailure::kOutcomeUnknown);
    EXPECT_EQ(ClassifyFailure(StatusCode::kUnavailable, "Socket closed"),
              AttemptFailure::kOutcomeUnknown);
    EXPECT_EQ(ClassifyFailure(StatusCode::kInternal, "Received RST_STREAM with error code 2"),
              AttemptFailure::kOutcomeUnknown);
}

TEST(RetryPolicy, AnswersAreFinal) {
    EXPECT_EQ(ClassifyFailure(StatusCode::kFailedPrecondition, "keel: session expired or unknown"),
              AttemptFailure::kFinal);
    EXPECT_EQ(ClassifyFailure(StatusCode::kInvalidArgument, "etcdserver: key is not provided"),
              AttemptFailure::kFinal);
    EXPECT_EQ(ClassifyFailure(StatusCode::kOutOfRange,
                              "etcdserver: mvcc: required revision has been compacted"),
              AttemptFailure::kFinal);
    EXPECT_EQ(ClassifyFailure(StatusCode::kResourceExhausted,
                              "etcdserver: mvcc: database space exceeded"),
              AttemptFailure::kFinal);
    EXPECT_EQ(ClassifyFailure(StatusCode::kInternal, "something broke"), AttemptFailure::kFinal);
    EXPECT_EQ(ClassifyFailure(StatusCode::kNotFound, "etcdserver: requested lease not found"),
              AttemptFailure::kFinal);
}

TEST(RetryPolicy, ReadsRetryEveryTransientFailureUnderEverySemantics) {
    for (const CallSemantics semantics :
         {CallSemantics::kMaybe, CallSemantics::kAtLeastOnce, CallSemantics::kExactlyOnce}) {
        EXPECT_TRUE(ShouldRetry(OperationKind::kRead, semantics, AttemptFailure::kOutcomeUnknown));
        EXPECT_TRUE(ShouldRetry(OperationKind::kRead, semantics, AttemptFailure::kNotExecuted));
        EXPECT_FALSE(ShouldRetry(OperationKind::kRead, semantics, AttemptFailure::kFinal));
    }
}

TEST(RetryPolicy, MaybeNeverResendsAWrite) {
    for (const AttemptFailure failure :
         {AttemptFailure::kNotExecuted, AttemptFailure::kOutcomeUnknown, AttemptFailure::kFinal}) {
        EXPECT_FALSE(ShouldRetry(OperationKind::kPlainWrite, CallSemantics::kMaybe, failure));
        EXPECT_FALSE(ShouldRetry(OperationKind::kSessionWrite, CallSemantics::kMaybe, failure));
    }
}

TEST(RetryPolicy, AtLeastOnceResendsPlainWritesAfterUnknownOutcomes) {
    EXPECT_TRUE(ShouldRetry(
        OperationKind::kPlainWrite, CallSemantics::kAtLeastOnce, AttemptFailure::kOutcomeUnknown));
    EXPECT_FALSE(ShouldRetry(
        OperationKind::kPlainWrite, CallSemantics::kAtLeastOnce, AttemptFailure::kFinal));
    // A session write is only ever sent under exactly-once.
    EXPECT_FALSE(ShouldRetry(OperationKind::kSessionWrite,
                             CallSemantics::kAtLeastOnce,
                             AttemptFailure::kOutcomeUnknown));
}

TEST(RetryPolicy, ExactlyOnceResendsSessionWritesButNotAnswers) {
    EXPECT_TRUE(ShouldRetry(OperationKind::kSessionWrite,
                            CallSemantics::kExactlyOnce,
                            AttemptFailure::kOutcomeUnknown));
    EXPECT_TRUE(ShouldRetry(
        OperationKind::kSessionWrite, CallSemantics::kExactlyOnce, AttemptFailure::kNotExecuted));
    EXPECT_FALSE(ShouldRetry(
        OperationKind::kSessionWrite, CallSemantics::kExactlyOnce, AttemptFailure::kFinal));
}

TEST(RetryPolicy, FailOverOnUnreachableOrRefusingMembersOnly) {
    EXPECT_TRUE(ShouldFailOver(StatusCode::kUnavailable, "etcdserver: not leader"));
    EXPECT_TRUE(ShouldFailOver(StatusCode::kDeadlineExceeded, "Deadline Exceeded"));
    EXPECT_FALSE(ShouldFailOver(StatusCode::kInvalidArgument, "etcdserver: key is not provided"));
    EXPECT_FALSE(
        ShouldFailOver(StatusCode::kFailedPrecondition, "keel: session expired or unknown"));
}

}  // namespace
}  // namespace keel::client
