// The session part of the simulator's state machine: the entry codec, admission through the
// kv session table, expiry by the entry's stamp, and the snapshot image.
#include "sim/session_state.h"

#include <gtest/gtest.h>

#include "sim/state_machine.h"

namespace keel::sim {
namespace {

SessionCommand Register(uint64_t client, int64_t ttl_ms, int64_t now_ms) {
    return SessionCommand{.kind = SessionCommand::Kind::kRegister,
                          .client = client,
                          .attempt = 1,
                          .ttl_ms = ttl_ms,
                          .leader_time_ms = now_ms};
}

SessionCommand Request(uint64_t session, uint64_t seq, uint64_t ack, int64_t now_ms) {
    return SessionCommand{.kind = SessionCommand::Kind::kRequest,
                          .client = 1,
                          .session = session,
                          .seq = seq,
                          .ack = ack,
                          .key = "k0",
                          .leader_time_ms = now_ms,
                          .origin = NodeId(2),
                          .origin_incarnation = 3,
                          .proposal = 9};
}

raft::Entry Entry(uint64_t index, const SessionCommand& command) {
    return raft::Entry{.term = Term(1), .index = Index(index), .data = command.Encode()};
}

TEST(SessionCommand, RoundTripsAndIgnoresPlainPayloads) {
    const SessionCommand command = Request(7, 3, 2, 12'345);
    EXPECT_EQ(SessionCommand::Decode(command.Encode()), command);
    EXPECT_EQ(SessionCommand::Decode(Register(4, 1'000, 5).Encode()), Register(4, 1'000, 5));
    EXPECT_FALSE(SessionCommand::Decode("p17").has_value());
    EXPECT_FALSE(SessionCommand::Decode("S|1|2").has_value());
}

TEST(SessionState, RetransmissionIsReplayedNotExecuted) {
    SessionState state;
    const SessionOutcome opened = state.Apply(Index(5), Register(1, 60'000, 100), true);
    ASSERT_EQ(opened.kind, SessionOutcome::Kind::kRegistered);
    EXPECT_EQ(opened.session, 5u);  // the session id is the registration's index
    const SessionOutcome first = state.Apply(Index(6), Request(5, 1, 1, 110), true);
    ASSERT_EQ(first.kind, SessionOutcome::Kind::kExecuted);
    EXPECT_EQ(first.reply, "key=k0 pos=0 rev=1");
    const SessionOutcome again = state.Apply(Index(7), Request(5, 1, 1, 120), true);
    EXPECT_EQ(again.kind, SessionOutcome::Kind::kReplayed);
    EXPECT_EQ(again.reply, first.reply);
    EXPECT_EQ(state.executed(), 1u);
    // After the client acknowledged seq 1, a stale copy of it is refused, not executed.
    EXPECT_EQ(state.Apply(Index(8), Request(5, 2, 2, 130), true).kind,
              SessionOutcome::Kind::kExecuted);
    const SessionOutcome stale = state.Apply(Index(9), Request(5, 1, 1, 140), true);
    EXPECT_EQ(stale.kind, SessionOutcome::Kind::kRejected);
    EXPECT_EQ(stale.code, static_cast<int>(absl::StatusCode::kOutOfRange));
    EXPECT_EQ(state.executed(), 2u);
}

TEST(SessionState, WithoutDeduplicationARetransmissionExecutesAgain) {
    SessionState state;
    state.Apply(Index(1), Register(1, 60'000, 100), false);
    state.Apply(Index(2), Request(1, 1, 1, 110), false);
    const SessionOutcome again = state.Apply(Index(3), Request(1, 1, 1, 120), false);
    EXPECT_EQ(again.kind, SessionOutcome::Kind::kExecuted);
    EXPECT_EQ(state.executions().at("k0").size(), 2u);
}

TEST(SessionState, ExpiresByTheEntrysStampOnly) {
    SessionState state;
    state.Apply(Index(1), Register(1, 1'000, 10'000), true);
    EXPECT_EQ(state.Apply(Index(2), Request(1, 1, 1, 11'000), true).kind,
              SessionOutcome::Kind::kExecuted);
    // A stamp from a slower clock does not move activity back.
    EXPECT_EQ(state.Apply(Index(3), Request(1, 2, 1, 10'500), true).kind,
              SessionOutcome::Kind::kExecuted);
    const SessionOutcome late = state.Apply(Index(4), Request(1, 3, 1, 12'001), true);
    EXPECT_EQ(late.kind, SessionOutcome::Kind::kRejected);
    EXPECT_EQ(late.code, static_cast<int>(absl::StatusCode::kFailedPrecondition));
    EXPECT_TRUE(state.sessions().empty());
    EXPECT_EQ(state.Apply(Index(5), Request(1, 3, 1, 12'002), true).code,
              static_cast<int>(absl::StatusCode::kFailedPrecondition));
}

TEST(SessionState, TableAndExecutionsSurviveTheSnapshotImage) {
    StateMachine sm;
    sm.Apply(Entry(1, Register(1, 60'000, 100)));
    sm.Apply(Entry(2, Request(1, 1, 1, 110)));
    sm.Apply(raft::Entry{.term = Term(1), .index = Index(3), .data = "p1"});
    absl::StatusOr<StateMachine> copy = StateMachine::Decode(sm.Encode());
    ASSERT_TRUE(copy.ok()) << copy.status();
    EXPECT_EQ(copy->sessions().executions(), sm.sessions().executions());
    ASSERT_EQ(copy->sessions().sessions().size(), 1u);
    EXPECT_EQ(copy->sessions().sessions().at(1).SerializeAsString(),
              sm.sessions().sessions().at(1).SerializeAsString());
    // The restored replica replays the retransmission from its table.
    const std::optional<SessionOutcome> again = copy->Apply(Entry(4, Request(1, 1, 1, 120)));
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->kind, SessionOutcome::Kind::kReplayed);
    EXPECT_EQ(again->reply, "key=k0 pos=0 rev=1");
}

}  // namespace
}  // namespace keel::sim
