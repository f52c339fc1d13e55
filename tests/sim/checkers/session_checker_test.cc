#include "sim/checkers/session_checker.h"

#include <gtest/gtest.h>

namespace keel::sim {
namespace {

SessionOutcome Outcome(SessionOutcome::Kind kind, uint64_t index, uint64_t seq, std::string reply) {
    SessionOutcome outcome;
    outcome.kind = kind;
    outcome.index = Index(index);
    outcome.command.client = 1;
    outcome.command.session = 1;
    outcome.command.seq = seq;
    outcome.command.key = "k0";
    outcome.reply = std::move(reply);
    return outcome;
}

raft::Entry Entry(uint64_t index, SessionCommand command) {
    return raft::Entry{.term = Term(1), .index = Index(index), .data = command.Encode()};
}

// A real history: register, execute seq 1, replay its retransmission; the final state holds it.
StateMachine ApplyHistory(bool deduplicate, SessionChecker& checker, NodeId node) {
    StateMachine sm;
    const SessionCommand reg{.kind = SessionCommand::Kind::kRegister, .client = 1, .ttl_ms = 0};
    const SessionCommand req{.client = 1, .session = 1, .seq = 1, .ack = 1, .key = "k0"};
    for (const raft::Entry& e : {Entry(1, reg), Entry(2, req), Entry(3, req)}) {
        const std::optional<SessionOutcome> outcome = sm.Apply(e, deduplicate);
        checker.ObserveApply(node, *outcome);
        checker.ObserveReply(*outcome);
    }
    return sm;
}

TEST(SessionChecker, AcceptsExactlyOnceHistoriesAndReapplication) {
    ViolationLog log;
    SessionChecker checker(&log);
    const StateMachine a = ApplyHistory(true, checker, NodeId(1));
    // Another replica (or the same one after a restart) applies the same log.
    const StateMachine b = ApplyHistory(true, checker, NodeId(2));
    checker.CheckFinal(NodeId(1), a);
    EXPECT_TRUE(log.empty()) << log.violations().front().detail;
    EXPECT_EQ(checker.stats().executed, 1u);
    EXPECT_EQ(checker.stats().replayed, 1u);
    EXPECT_EQ(checker.stats().acknowledged, 1u);
}

TEST(SessionChecker, RejectsASecondExecution) {
    ViolationLog log;
    SessionChecker checker(&log);
    ApplyHistory(false, checker, NodeId(1));
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.violations().front().checker, "session-exactly-once");
}

TEST(SessionChecker, RejectsAReplyThatDiffersFromTheFirstExecution) {
    ViolationLog log;
    SessionChecker checker(&log);
    checker.ObserveApply(NodeId(1),
                         Outcome(SessionOutcome::Kind::kExecuted, 2, 1, "key=k0 pos=0 rev=1"));
    checker.ObserveReply(Outcome(SessionOutcome::Kind::kReplayed, 3, 1, "key=k0 pos=4 rev=5"));
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.violations().front().checker, "session-reply");
}

TEST(SessionChecker, RejectsALostAcknowledgedRequest) {
    ViolationLog log;
    SessionChecker checker(&log);
    checker.ObserveApply(NodeId(1),
                         Outcome(SessionOutcome::Kind::kExecuted, 2, 1, "key=k0 pos=0 rev=1"));
    checker.ObserveReply(Outcome(SessionOutcome::Kind::kExecuted, 2, 1, "key=k0 pos=0 rev=1"));
    EXPECT_TRUE(log.empty());
    checker.CheckFinal(NodeId(1), StateMachine());  // a final state without it
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.violations().front().checker, "session-lost");
}

TEST(SessionChecker, RejectsReplicasThatDisagreeAboutAnOutcome) {
    ViolationLog log;
    SessionChecker checker(&log);
    checker.ObserveApply(NodeId(1),
                         Outcome(SessionOutcome::Kind::kExecuted, 2, 1, "key=k0 pos=0 rev=1"));
    SessionOutcome expired = Outcome(SessionOutcome::Kind::kRejected, 2, 1, "");
    expired.code = 9;
    checker.ObserveApply(NodeId(2), expired);
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.violations().front().checker, "session-determinism");
}

}  // namespace
}  // namespace keel::sim
