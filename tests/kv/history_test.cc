// History: the events a watcher starting at a past revision receives.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/key_range.h"
#include "kv/mvcc_store.h"
#include "store_fixture.h"

namespace keel::kv {
namespace {

using testing::StoreTest;

class MvccHistory : public StoreTest {
protected:
    HistoryResponse Read(HistoryRequest request) {
        auto response = store_->History(request);
        KEEL_ASSERT_MSG(response.ok(), "%s", response.status().ToString());
        return *std::move(response);
    }
};

TEST_F(MvccHistory, MatchesTheEventsApplyReturned) {
    Events applied;
    auto collect = [&](Events events) {
        for (Event& event : events) {
            applied.push_back(std::move(event));
        }
    };
    collect(store_->ApplyPut(Next(), {.key = "a", .value = "1"}).events);
    collect(store_->ApplyPut(Next(), {.key = "b", .value = "2"}).events);
    collect(store_->ApplyPut(Next(), {.key = "a", .value = "3"}).events);
    collect(store_->ApplyDeleteRange(Next(), {.key = "a", .range_end = "c"}).events);
    collect(store_
                ->ApplyTxn(Next(),
                           {.success = {RequestOp{PutRequest{.key = "c"}},
                                        RequestOp{PutRequest{.key = "d"}}}})
                .events);
    const HistoryResponse history = Read({.key = std::string(1, '\0'),
                                          .range_end = std::string(1, '\0'),
                                          .start_revision = Revision(2),
                                          .prev_kv = true});
    EXPECT_EQ(history.events, applied);
    EXPECT_EQ(history.next_revision, Revision(7));
}

TEST_F(MvccHistory, FiltersByKeyRangeAndStartRevision) {
    Put("a", "1");  // 2
    Put("b", "1");  // 3
    Put("a", "2");  // 4
    const HistoryResponse history = Read({.key = "a", .start_revision = Revision(3)});
    ASSERT_EQ(history.events.size(), 1u);
    EXPECT_EQ(history.events[0].kv.value, "2");
    EXPECT_FALSE(history.events[0].prev_kv.has_value());  // Not asked for.
}

TEST_F(MvccHistory, PagesAtRevisionBoundaries) {
    auto txn = store_->ApplyTxn(
        Next(),
        {.success = {RequestOp{PutRequest{.key = "x"}}, RequestOp{PutRequest{.key = "y"}}}});
    ASSERT_TRUE(txn.response.ok());  // 2: two events
    Put("z", "");                    // 3
    const HistoryResponse first = Read(
        {.key = "a", .range_end = PrefixEnd(""), .start_revision = Revision(1), .events_max = 1});
    // Revision 2's two events are never split.
    EXPECT_EQ(first.events.size(), 2u);
    EXPECT_EQ(first.next_revision, Revision(3));
    const HistoryResponse second = Read({.key = "a",
                                         .range_end = PrefixEnd(""),
                                         .start_revision = first.next_revision,
                                         .events_max = 1});
    ASSERT_EQ(second.events.size(), 1u);
    EXPECT_EQ(second.events[0].kv.key, "z");
    EXPECT_EQ(second.next_revision, Revision(4));
}

TEST_F(MvccHistory, BelowTheCompactedRevisionIsCompacted) {
    Put("a", "1");
    Put("a", "2");
    Put("a", "3");
    ASSERT_TRUE(store_->ApplyCompaction(Next(), {.revision = Revision(3)}).response.ok());
    EXPECT_TRUE(IsCompacted(store_->History({.key = "a", .start_revision = Revision(2)}).status()));
    // From the compacted revision on, what survived is served (as etcd does).
    const HistoryResponse history = Read({.key = "a", .start_revision = Revision(3)});
    ASSERT_EQ(history.events.size(), 2u);
    EXPECT_EQ(history.events[0].kv.value, "2");
}

TEST_F(MvccHistory, FutureStartReturnsNothingYet) {
    Put("a", "1");
    const HistoryResponse history = Read({.key = "a", .start_revision = Revision(10)});
    EXPECT_TRUE(history.events.empty());
    EXPECT_EQ(history.next_revision, Revision(10));
}

}  // namespace
}  // namespace keel::kv
