#include "server/pending_requests.h"

#include <vector>

#include <gtest/gtest.h>

#include "server/errors.h"

namespace keel::server {
namespace {

const Deadline kFar = Clock::now() + std::chrono::hours(1);

TEST(ProposalWaiters, MatchingTermGetsTheResponse) {
    ProposalWaiters waiters;
    ProposalPromise promise;
    auto answer = promise.get_future();
    waiters.Add(Index(5), Term(2), std::move(promise), kFar);
    waiters.OnApplied(Index(4), Term(2), kv::PutResponse{});
    EXPECT_EQ(waiters.size(), 1u);
    waiters.OnApplied(Index(5), Term(2), kv::PutResponse{.header = {.revision = Revision(7)}});
    EXPECT_EQ(waiters.size(), 0u);
    const auto result = answer.get();
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(std::get<kv::PutResponse>(*result).header.revision, Revision(7));
}

TEST(ProposalWaiters, ReplacedEntryIsLeaderChanged) {
    ProposalWaiters waiters;
    ProposalPromise promise;
    auto answer = promise.get_future();
    waiters.Add(Index(5), Term(2), std::move(promise), kFar);
    waiters.OnApplied(Index(5), Term(3), kv::PutResponse{});
    EXPECT_EQ(answer.get().status(), LeaderChangedError());
}

TEST(ProposalWaiters, ReusedIndexAnswersTheOlderWaiter) {
    ProposalWaiters waiters;
    ProposalPromise old_promise;
    ProposalPromise new_promise;
    auto old_answer = old_promise.get_future();
    waiters.Add(Index(5), Term(2), std::move(old_promise), kFar);
    waiters.Add(Index(5), Term(4), std::move(new_promise), kFar);
    EXPECT_EQ(old_answer.get().status(), LeaderChangedError());
    EXPECT_EQ(waiters.size(), 1u);
}

TEST(ProposalWaiters, ExpireAndFailAll) {
    ProposalWaiters waiters;
    ProposalPromise soon;
    ProposalPromise later;
    auto soon_answer = soon.get_future();
    auto later_answer = later.get_future();
    const Deadline now = Clock::now();
    waiters.Add(Index(1), Term(1), std::move(soon), now);
    waiters.Add(Index(2), Term(1), std::move(later), kFar);
    waiters.Expire(now + std::chrono::milliseconds(1));
    EXPECT_EQ(soon_answer.get().status(), RequestTimeoutError());
    EXPECT_EQ(waiters.size(), 1u);
    waiters.FailAll(StoppedError());
    EXPECT_EQ(later_answer.get().status(), StoppedError());
}

// A callback answer (owed_answer.h) is delivered by a call, exactly once, with what a promise
// would have carried.
TEST(ProposalWaiters, CallbackAnswersAreCalledOnce) {
    ProposalWaiters waiters;
    std::vector<absl::StatusOr<CommandResponse>> got;
    auto record = [&got](absl::StatusOr<CommandResponse> answer) {
        got.push_back(std::move(answer));
    };
    waiters.Add(Index(5), Term(2), ProposalPromise(record), kFar);
    waiters.Add(Index(6), Term(2), ProposalPromise(record), Clock::now());
    waiters.Add(Index(7), Term(2), ProposalPromise(record), kFar);
    waiters.OnApplied(Index(5), Term(2), kv::PutResponse{.header = {.revision = Revision(9)}});
    ASSERT_EQ(got.size(), 1u);
    ASSERT_TRUE(got[0].ok());
    EXPECT_EQ(std::get<kv::PutResponse>(*got[0]).header.revision, Revision(9));
    waiters.OnApplied(Index(5), Term(2), kv::PutResponse{});
    EXPECT_EQ(got.size(), 1u) << "an answered waiter is gone";
    waiters.Expire(Clock::now() + std::chrono::milliseconds(1));
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[1].status(), RequestTimeoutError());
    waiters.FailAll(StoppedError());
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[2].status(), StoppedError());
    EXPECT_EQ(waiters.size(), 0u);
}

TEST(ReadWaiters, ConfirmedReadWaitsForApply) {
    ReadWaiters reads;
    ReadPromise promise;
    auto answer = promise.get_future();
    reads.Add("r1", std::move(promise), kFar, Clock::now());
    reads.OnApplied(Index(100));
    EXPECT_EQ(reads.size(), 1u) << "not confirmed yet";
    reads.Confirm(raft::ReadState{.index = Index(10), .context = "r1"});
    reads.Confirm(raft::ReadState{.index = Index(10), .context = "unknown"});
    reads.OnApplied(Index(9));
    EXPECT_EQ(answer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
    reads.OnApplied(Index(10));
    EXPECT_TRUE(answer.get().ok());
    EXPECT_EQ(reads.size(), 0u);
}

TEST(ReadWaiters, DroppedReadIsNoLeader) {
    ReadWaiters reads;
    ReadPromise promise;
    auto answer = promise.get_future();
    reads.Add("r1", std::move(promise), kFar, Clock::now());
    reads.Drop("r1");
    EXPECT_EQ(answer.get(), NoLeaderError());
}

TEST(ReadWaiters, ExpireCoversBothTables) {
    ReadWaiters reads;
    ReadPromise a;
    ReadPromise b;
    auto a_answer = a.get_future();
    auto b_answer = b.get_future();
    const Deadline now = Clock::now();
    reads.Add("a", std::move(a), now, now);
    reads.Add("b", std::move(b), now, now);
    reads.Confirm(raft::ReadState{.index = Index(3), .context = "b"});
    reads.Expire(now + std::chrono::milliseconds(1));
    EXPECT_EQ(a_answer.get(), RequestTimeoutError());
    EXPECT_EQ(b_answer.get(), RequestTimeoutError());
}

TEST(ReadWaiters, UnconfirmedReadsAreHandedBackForReissue) {
    ReadWaiters reads;
    ReadPromise old_read;
    ReadPromise new_read;
    ReadPromise confirmed_read;
    auto old_answer = old_read.get_future();
    const Deadline t0 = Clock::now();
    reads.Add("old", std::move(old_read), kFar, t0);
    reads.Add("confirmed", std::move(confirmed_read), kFar, t0);
    reads.Add("new", std::move(new_read), kFar, t0 + std::chrono::seconds(5));
    reads.Confirm(raft::ReadState{.index = Index(1), .context = "confirmed"});
    std::vector<ReadWaiters::Unconfirmed> taken =
        reads.TakeUnconfirmed(t0 + std::chrono::seconds(1));
    ASSERT_EQ(taken.size(), 1u);
    EXPECT_EQ(reads.size(), 2u);
    // The taken read is the caller's now; a late confirmation of its old context is ignored.
    reads.Confirm(raft::ReadState{.index = Index(1), .context = "old"});
    EXPECT_EQ(reads.size(), 2u);
    reads.Add("old-again", std::move(taken[0].promise), taken[0].deadline, t0);
    reads.Confirm(raft::ReadState{.index = Index(2), .context = "old-again"});
    reads.OnApplied(Index(2));
    EXPECT_TRUE(old_answer.get().ok());
}

}  // namespace
}  // namespace keel::server
