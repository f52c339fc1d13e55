// Merging a stream's queued watch messages: per-watcher order, control messages as barriers,
// limits and the fragment flag; and the outbox's PopAll and deferred wake that feed it.
#include "server/watch_batch.h"

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace keel::server {
namespace {

using namespace std::chrono_literals;
using Kind = WatchMessage::Kind;

constexpr WatchBatchLimits kRoomy{.events_max = 1000, .bytes_max = 1 << 20};

kv::Event EventAt(uint64_t revision, std::string value = "v") {
    return kv::Event{.kv = {.key = "k",
                            .mod_revision = Revision(revision),
                            .value = std::move(value)}};
}

WatchMessage Events(WatchId id, std::vector<uint64_t> revisions, bool fragment = false) {
    WatchMessage m{.kind = Kind::kEvents,
                   .watch_id = id,
                   .header_revision = Revision(revisions.back()),
                   .fragment = fragment};
    for (uint64_t r : revisions) {
        m.events.push_back(EventAt(r));
    }
    return m;
}

WatchMessage Control(Kind kind, WatchId id, uint64_t header) {
    return WatchMessage{.kind = kind, .watch_id = id, .header_revision = Revision(header)};
}

std::vector<uint64_t> Revisions(const WatchMessage& m) {
    std::vector<uint64_t> out;
    for (const kv::Event& e : m.events) {
        out.push_back(e.kv.mod_revision.value());
    }
    return out;
}

TEST(WatchBatch, MergesEachWatchersRunKeepingItsOrder) {
    std::vector<WatchMessage> queued;
    queued.push_back(Events(1, {5}));
    queued.push_back(Events(2, {5}));
    queued.push_back(Events(1, {6, 6}));
    queued.push_back(Events(2, {7}));
    queued.push_back(Events(1, {7}));
    auto out = CoalesceWatchMessages(std::move(queued), kRoomy);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].watch_id, 1);
    EXPECT_EQ(Revisions(out[0]), (std::vector<uint64_t>{5, 6, 6, 7}));
    EXPECT_EQ(out[0].header_revision, Revision(7));
    EXPECT_EQ(out[1].watch_id, 2);
    EXPECT_EQ(Revisions(out[1]), (std::vector<uint64_t>{5, 7}));
    EXPECT_EQ(out[1].header_revision, Revision(7));
}

TEST(WatchBatch, ControlMessagesAreBarriers) {
    std::vector<WatchMessage> queued;
    queued.push_back(Events(1, {5}));
    queued.push_back(Control(Kind::kProgress, kAllWatches, 5));
    queued.push_back(Events(1, {6}));
    queued.push_back(Control(Kind::kCanceled, 1, 6));
    queued.push_back(Control(Kind::kCreated, 3, 6));
    queued.push_back(Events(3, {7}));
    auto out = CoalesceWatchMessages(std::move(queued), kRoomy);
    ASSERT_EQ(out.size(), 6u);
    EXPECT_EQ(out[0].kind, Kind::kEvents);
    EXPECT_EQ(out[1].kind, Kind::kProgress);
    EXPECT_EQ(Revisions(out[2]), (std::vector<uint64_t>{6}));
    EXPECT_EQ(out[3].kind, Kind::kCanceled);
    EXPECT_EQ(out[4].kind, Kind::kCreated);
    EXPECT_EQ(Revisions(out[5]), (std::vector<uint64_t>{7}));
}

TEST(WatchBatch, LimitsAndFragmentStartNewMessages) {
    std::vector<WatchMessage> queued;
    for (uint64_t r = 10; r < 15; ++r) {
        queued.push_back(Events(1, {r}));
    }
    auto out = CoalesceWatchMessages(std::move(queued), {.events_max = 2, .bytes_max = 1 << 20});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(Revisions(out[0]), (std::vector<uint64_t>{10, 11}));
    EXPECT_EQ(Revisions(out[1]), (std::vector<uint64_t>{12, 13}));
    EXPECT_EQ(Revisions(out[2]), (std::vector<uint64_t>{14}));

    // One event is about EventBytes; a bound of 1.5 events keeps them apart, and a message
    // alone above the bound still passes whole.
    queued.clear();
    queued.push_back(Events(1, {20}));
    queued.push_back(Events(1, {21}));
    queued.push_back(Events(1, {22, 23}));
    const size_t one = EventBytes(EventAt(20));
    out = CoalesceWatchMessages(std::move(queued), {.events_max = 100, .bytes_max = one * 3 / 2});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(Revisions(out[2]), (std::vector<uint64_t>{22, 23}));

    queued.clear();
    queued.push_back(Events(1, {30}, /*fragment=*/true));
    queued.push_back(Events(1, {31}, /*fragment=*/false));
    queued.push_back(Events(1, {32}, /*fragment=*/false));
    out = CoalesceWatchMessages(std::move(queued), kRoomy);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_TRUE(out[0].fragment);
    EXPECT_EQ(Revisions(out[1]), (std::vector<uint64_t>{31, 32}));
}

TEST(WatchBatch, NothingIsLostOrRepeated) {
    // Three watchers interleaved with barriers: every watcher's revisions come out once each,
    // in order, whatever the limits.
    for (size_t events_max : {1u, 2u, 3u, 1000u}) {
        std::vector<WatchMessage> queued;
        for (uint64_t r = 1; r <= 60; ++r) {
            queued.push_back(Events(static_cast<WatchId>(r % 3), {r}));
            if (r % 17 == 0) {
                queued.push_back(Control(Kind::kProgress, kAllWatches, r));
            }
        }
        auto out = CoalesceWatchMessages(std::move(queued),
                                         {.events_max = events_max, .bytes_max = 1 << 20});
        std::vector<std::vector<uint64_t>> seen(3);
        for (const WatchMessage& m : out) {
            EXPECT_LE(m.events.size(), events_max);
            for (uint64_t r : Revisions(m)) {
                seen[static_cast<size_t>(m.watch_id)].push_back(r);
            }
        }
        for (uint64_t w = 0; w < 3; ++w) {
            std::vector<uint64_t> want;
            for (uint64_t r = 1; r <= 60; ++r) {
                if (r % 3 == w) {
                    want.push_back(r);
                }
            }
            EXPECT_EQ(seen[w], want) << "watcher " << w << " events_max " << events_max;
        }
    }
}

TEST(WatchOutboxPopAll, TakesEverythingQueuedAndFreesTheBounds) {
    WatchOutbox outbox({.pending_events_max = 2, .pending_bytes_max = 1 << 20});
    ASSERT_TRUE(outbox.Offer(Events(1, {1})));
    ASSERT_TRUE(outbox.Offer(Events(1, {2})));
    EXPECT_FALSE(outbox.Offer(Events(1, {3}))) << "over pending_events_max";
    outbox.Push(Control(Kind::kProgress, kAllWatches, 2));
    auto got = outbox.PopAll(0ms, 2);
    ASSERT_EQ(got.size(), 2u) << "messages_max";
    EXPECT_EQ(outbox.size(), 1u);
    EXPECT_TRUE(outbox.HasRoom(1));
    EXPECT_TRUE(outbox.Offer(Events(1, {3})));
    got = outbox.PopAll(0ms, 100);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].kind, Kind::kProgress);
    EXPECT_EQ(Revisions(got[1]), (std::vector<uint64_t>{3}));
    EXPECT_TRUE(outbox.PopAll(0ms, 100).empty());
}

TEST(WatchOutboxPopAll, DeferredOfferWaitsForWake) {
    WatchOutbox outbox({.pending_events_max = 100, .pending_bytes_max = 1 << 20});
    std::thread producer([&] {
        std::this_thread::sleep_for(20ms);
        ASSERT_TRUE(outbox.Offer(Events(1, {1}), OutboxWake::kDeferred));
        ASSERT_TRUE(outbox.Offer(Events(1, {2}), OutboxWake::kDeferred));
        outbox.Wake();
    });
    // The consumer may wake spuriously or on the first offer's timing, so collect until both
    // arrive, within a bound.
    std::vector<WatchMessage> got;
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (got.size() < 2 && std::chrono::steady_clock::now() < deadline) {
        for (WatchMessage& m : outbox.PopAll(5s, 100)) {
            got.push_back(std::move(m));
        }
    }
    producer.join();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(Revisions(got[1]), (std::vector<uint64_t>{2}));
}

}  // namespace
}  // namespace keel::server
