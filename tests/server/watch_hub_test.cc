// The watch hub against a real MVCC store: ordering, the switch from history to live changes,
// filters, slow watchers and compacted start revisions.
#include "server/watch_hub.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include <gtest/gtest.h>

#include "kv/store_fixture.h"
#include "server/watch_service.h"

namespace keel::server {
namespace {

using namespace std::chrono_literals;
using Kind = WatchMessage::Kind;

constexpr auto kWaitMax = 10s;

WatchOutboxOptions Roomy() {
    return WatchOutboxOptions{.pending_events_max = 1 << 20, .pending_bytes_max = 1 << 30};
}

class WatchHubTest : public kv::testing::StoreTest {
protected:
    void StartHub(WatchHubOptions options = {}) {
        MakeHub(std::move(options));
        hub_->Start();
    }

    void MakeHub(WatchHubOptions options) {
        options.history = [this](const kv::HistoryRequest& r) {
            return store_->History(r);
        };
        options.compacted_revision = [this] {
            return store_->compacted_revision();
        };
        options.initial_revision = store_->revision();
        hub_ = std::make_unique<WatchHub>(std::move(options));
    }

    void TearDown() override {
        if (hub_ != nullptr) {
            hub_->Stop();
        }
        StoreTest::TearDown();
    }

    // Applies a put and tells the hub, as the apply loop does.
    Revision PutAndPublish(const std::string& key, const std::string& value) {
        auto result = store_->ApplyPut(Next(), {.key = key, .value = value});
        KEEL_ASSERT(result.response.ok());
        hub_->OnApplied(store_->revision(), std::move(result.events));
        return store_->revision();
    }

    Revision DeleteAndPublish(const std::string& key) {
        auto result = store_->ApplyDeleteRange(Next(), {.key = key});
        KEEL_ASSERT(result.response.ok());
        hub_->OnApplied(store_->revision(), std::move(result.events));
        return store_->revision();
    }

    // Pops messages until `done` says so or kWaitMax passes.
    static std::vector<WatchMessage> Collect(WatchOutbox& outbox,
                                             const std::function<bool(const WatchMessage&)>& done) {
        std::vector<WatchMessage> out;
        const auto deadline = std::chrono::steady_clock::now() + kWaitMax;
        while (std::chrono::steady_clock::now() < deadline) {
            std::optional<WatchMessage> m = outbox.Pop(50ms);
            if (!m.has_value()) {
                continue;
            }
            out.push_back(std::move(*m));
            if (done(out.back())) {
                break;
            }
        }
        return out;
    }

    // Every event revision delivered, in order.
    static std::vector<uint64_t> EventRevisions(const std::vector<WatchMessage>& messages) {
        std::vector<uint64_t> revisions;
        for (const WatchMessage& m : messages) {
            for (const kv::Event& e : m.events) {
                revisions.push_back(e.kv.mod_revision.value());
            }
        }
        return revisions;
    }

    static std::function<bool(const WatchMessage&)> UntilRevision(Revision r) {
        return [r](const WatchMessage& m) {
            return m.kind == Kind::kCanceled
                   || (!m.events.empty() && m.events.back().kv.mod_revision >= r);
        };
    }

    std::unique_ptr<WatchHub> hub_;
};

TEST_F(WatchHubTest, LiveEventsArriveInOrderAfterCreated) {
    StartHub();
    WatchOutbox outbox(Roomy());
    auto id = hub_->Add(&outbox, kAutoWatchId, WatchSpec{.key = "a"});
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, 0);
    const Revision r1 = PutAndPublish("a", "1");
    PutAndPublish("b", "ignored");
    const Revision r3 = PutAndPublish("a", "2");
    const Revision r4 = DeleteAndPublish("a");
    auto got = Collect(outbox, UntilRevision(r4));
    ASSERT_GE(got.size(), 4u);
    EXPECT_EQ(got[0].kind, Kind::kCreated);
    EXPECT_EQ(got[0].header_revision, r1 - 1);
    EXPECT_EQ(EventRevisions(got), (std::vector<uint64_t>{r1.value(), r3.value(), r4.value()}));
    EXPECT_EQ(got[1].header_revision, r1);
    EXPECT_FALSE(got[2].events[0].prev_kv.has_value()) << "prev_kv was not asked for";
    EXPECT_EQ(got.back().events[0].type, kv::EventType::kDelete);
}

TEST_F(WatchHubTest, PrefixFiltersAndPrevKv) {
    StartHub();
    WatchOutbox outbox(Roomy());
    ASSERT_TRUE(
        hub_->Add(&outbox, 7, WatchSpec{.key = "p/", .range_end = "p0", .prev_kv = true}).ok());
    ASSERT_TRUE(
        hub_->Add(&outbox, 8, WatchSpec{.key = "p/", .range_end = "p0", .filter_put = true}).ok());
    EXPECT_EQ(hub_->Add(&outbox, 8, WatchSpec{.key = "x"}).status().code(),
              absl::StatusCode::kAlreadyExists);
    EXPECT_EQ(hub_->Add(&outbox, 9, WatchSpec{.key = "b", .range_end = "a"}).status().message(),
              "mvcc: watcher range is empty");
    PutAndPublish("p/1", "x");
    PutAndPublish("q", "x");
    PutAndPublish("p/1", "y");
    const Revision last = DeleteAndPublish("p/1");
    std::vector<WatchMessage> for7;
    std::vector<WatchMessage> for8;
    // Watcher 8's only event (the delete) is queued after all of watcher 7's.
    for (const WatchMessage& m : Collect(
             outbox, [&](const WatchMessage& m) { return m.watch_id == 8 && !m.events.empty(); })) {
        (m.watch_id == 7 ? for7 : for8).push_back(m);
    }
    ASSERT_EQ(EventRevisions(for7).size(), 3u);
    EXPECT_EQ(for7.back().events[0].prev_kv->value, "y");
    ASSERT_EQ(EventRevisions(for8), std::vector<uint64_t>{last.value()}) << "NOPUT: deletes only";
}

TEST_F(WatchHubTest, HistoryThenLiveMissesAndRepeatsNothing) {
    StartHub(WatchHubOptions{.history_events_per_read = 7});
    for (int i = 0; i < 50; ++i) {
        PutAndPublish("k" + std::to_string(i % 5), "v");
    }
    std::atomic<bool> writing = true;
    Revision last;
    std::thread writer([&] {
        for (int i = 0; i < 300; ++i) {
            last = PutAndPublish("k" + std::to_string(i % 5), "w");
        }
        writing = false;
    });
    WatchOutbox outbox(Roomy());
    ASSERT_TRUE(hub_->Add(&outbox,
                          kAutoWatchId,
                          WatchSpec{.key = "k", .range_end = "l", .start_revision = Revision(2)})
                    .ok());
    writer.join();
    auto got = Collect(outbox, UntilRevision(last));
    const std::vector<uint64_t> revisions = EventRevisions(got);
    ASSERT_EQ(revisions.size(), last.value() - 1);
    for (size_t i = 0; i < revisions.size(); ++i) {
        ASSERT_EQ(revisions[i], i + 2) << "at " << i;
    }
}

TEST_F(WatchHubTest, SlowWatcherIsCanceledWithoutDelayingOthers) {
    StartHub();
    WatchOutbox slow(WatchOutboxOptions{.pending_events_max = 4, .pending_bytes_max = 1 << 20});
    WatchOutbox fast(Roomy());
    ASSERT_TRUE(hub_->Add(&slow, kAutoWatchId, WatchSpec{.key = "s"}).ok());
    ASSERT_TRUE(hub_->Add(&fast, kAutoWatchId, WatchSpec{.key = "s"}).ok());
    Revision last;
    for (int i = 0; i < 20; ++i) {
        last = PutAndPublish("s", std::to_string(i));
    }
    EXPECT_EQ(EventRevisions(Collect(fast, UntilRevision(last))).size(), 20u);
    auto got = Collect(slow, [](const WatchMessage& m) { return m.kind == Kind::kCanceled; });
    ASSERT_FALSE(got.empty());
    EXPECT_EQ(got.back().kind, Kind::kCanceled);
    EXPECT_NE(got.back().cancel_reason.find("too slow"), std::string::npos);
    // Delivered events are a gap-free prefix and the reason names where to resume.
    const std::vector<uint64_t> delivered = EventRevisions(got);
    ASSERT_EQ(delivered.size(), 4u);
    EXPECT_NE(got.back().cancel_reason.find(std::to_string(delivered.back() + 1)),
              std::string::npos);
    EXPECT_EQ(hub_->stats().slow_watchers_canceled, 1u);
    EXPECT_EQ(hub_->stats().watchers, 1u);
}

TEST_F(WatchHubTest, CompactedStartIsCreatedThenCanceled) {
    StartHub();
    PutAndPublish("c", "1");
    PutAndPublish("c", "2");
    const Revision r = PutAndPublish("c", "3");
    ASSERT_TRUE(store_->ApplyCompaction(Next(), {.revision = r}).response.ok());
    WatchOutbox outbox(Roomy());
    ASSERT_TRUE(
        hub_->Add(&outbox, kAutoWatchId, WatchSpec{.key = "c", .start_revision = Revision(2)})
            .ok());
    auto got = Collect(outbox, [](const WatchMessage& m) { return m.kind == Kind::kCanceled; });
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].kind, Kind::kCreated);
    EXPECT_EQ(got[1].kind, Kind::kCanceled);
    EXPECT_EQ(got[1].compact_revision, r);
    EXPECT_EQ(hub_->stats().watchers, 0u);
}

TEST_F(WatchHubTest, InboxOverflowFallsBackToHistory) {
    // The dispatch thread starts only after apply has run far ahead of it.
    MakeHub(WatchHubOptions{.inbox_events_max = 3});
    WatchOutbox outbox(Roomy());
    ASSERT_TRUE(hub_->Add(&outbox, kAutoWatchId, WatchSpec{.key = "o"}).ok());
    const Revision first = store_->revision().Next();
    Revision last;
    for (int i = 0; i < 200; ++i) {
        last = PutAndPublish("o", std::to_string(i));
    }
    hub_->Start();
    const std::vector<uint64_t> revisions = EventRevisions(Collect(outbox, UntilRevision(last)));
    ASSERT_EQ(revisions.size(), 200u);
    for (size_t i = 0; i < revisions.size(); ++i) {
        ASSERT_EQ(revisions[i], first.value() + i);
    }
    EXPECT_EQ(hub_->stats().inbox_overflows, 1u);
}

TEST_F(WatchHubTest, RestoredStoreIsCaughtUpFromHistory) {
    StartHub();
    WatchOutbox outbox(Roomy());
    ASSERT_TRUE(hub_->Add(&outbox, kAutoWatchId, WatchSpec{.key = "r"}).ok());
    const Revision first = store_->revision().Next();
    // Changes the hub is never told of, as when a snapshot replaces the store.
    for (int i = 0; i < 5; ++i) {
        Put("r", std::to_string(i));
    }
    hub_->OnRestored(store_->revision());
    const Revision live = PutAndPublish("r", "live");
    const std::vector<uint64_t> revisions = EventRevisions(Collect(outbox, UntilRevision(live)));
    ASSERT_EQ(revisions.size(), 6u);
    for (size_t i = 0; i < revisions.size(); ++i) {
        EXPECT_EQ(revisions[i], first.value() + i);
    }
}

TEST_F(WatchHubTest, ProgressRequestAndNotify) {
    StartHub(WatchHubOptions{.progress_interval = 100ms});
    WatchOutbox outbox(Roomy());
    ASSERT_TRUE(hub_->Add(&outbox, 3, WatchSpec{.key = "n", .progress_notify = true}).ok());
    const Revision r = PutAndPublish("other", "x");
    hub_->RequestProgress(&outbox);
    auto got = Collect(outbox, [](const WatchMessage& m) {
        return m.kind == Kind::kProgress && m.watch_id == kAllWatches;
    });
    ASSERT_EQ(got.back().kind, Kind::kProgress);
    EXPECT_EQ(got.back().header_revision, r);
    got = Collect(
        outbox, [](const WatchMessage& m) { return m.kind == Kind::kProgress && m.watch_id == 3; });
    ASSERT_EQ(got.back().kind, Kind::kProgress);
    EXPECT_EQ(got.back().header_revision, r);
}

TEST_F(WatchHubTest, CancelAndRemoveOutbox) {
    StartHub();
    WatchOutbox outbox(Roomy());
    ASSERT_TRUE(hub_->Add(&outbox, kAutoWatchId, WatchSpec{.key = "x"}).ok());
    ASSERT_TRUE(hub_->Add(&outbox, kAutoWatchId, WatchSpec{.key = "x"}).ok());
    EXPECT_TRUE(hub_->Cancel(&outbox, 0));
    EXPECT_FALSE(hub_->Cancel(&outbox, 0));
    hub_->RemoveOutbox(&outbox);
    EXPECT_EQ(hub_->stats().watchers, 0u);
    PutAndPublish("x", "1");
    auto got = Collect(outbox, [](const WatchMessage& m) { return m.kind == Kind::kCanceled; });
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[2].watch_id, 0);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(outbox.size(), 0u) << "nothing reaches a removed outbox";
}

TEST(WatchFragment, SplitsAtEventBoundariesAndMarksAllButTheLast) {
    etcdserverpb::WatchResponse response;
    response.set_watch_id(5);
    for (int i = 0; i < 10; ++i) {
        response.add_events()->mutable_kv()->set_value(std::string(100, 'v'));
    }
    const auto parts = Fragment(response, 350);
    ASSERT_GT(parts.size(), 3u);
    int events = 0;
    for (size_t i = 0; i < parts.size(); ++i) {
        EXPECT_EQ(parts[i].fragment(), i + 1 < parts.size());
        EXPECT_EQ(parts[i].watch_id(), 5);
        EXPECT_LT(parts[i].ByteSizeLong(), 350u);
        events += parts[i].events_size();
    }
    EXPECT_EQ(events, 10);
    EXPECT_EQ(Fragment(response, 1 << 20).size(), 1u);
}

// Throughput of matching and queueing alone (no store, no gRPC): applied revisions of one
// event each, fanned out to watchers that drain their outboxes on their own threads. The
// floor is far below what the hub does, so that the check holds on a loaded machine.
TEST(WatchHubThroughput, FansOutApplyToManyWatchers) {
    constexpr int kRevisions = 50'000;
    constexpr int kWatchers = 8;
    WatchHub hub(WatchHubOptions{
        .history = [](const kv::HistoryRequest&) -> absl::StatusOr<kv::HistoryResponse> {
            return absl::InternalError("not expected: every watcher is live");
        },
        .compacted_revision = [] { return Revision(); },
        .initial_revision = Revision(1),
        .inbox_events_max = kRevisions,
    });
    hub.Start();
    std::vector<std::unique_ptr<WatchOutbox>> outboxes;
    for (int i = 0; i < kWatchers; ++i) {
        outboxes.push_back(std::make_unique<WatchOutbox>(Roomy()));
        ASSERT_TRUE(
            hub.Add(outboxes.back().get(), kAutoWatchId, WatchSpec{.key = "t/", .range_end = "t0"})
                .ok());
    }
    std::vector<std::thread> readers;
    std::atomic<int> complete = 0;
    for (auto& outbox : outboxes) {
        readers.emplace_back([&, o = outbox.get()] {
            uint64_t expected = 2;
            const auto deadline = std::chrono::steady_clock::now() + 30s;
            while (expected <= kRevisions + 1 && std::chrono::steady_clock::now() < deadline) {
                std::optional<WatchMessage> m = o->Pop(50ms);
                if (m.has_value()) {
                    for (const kv::Event& e : m->events) {
                        ASSERT_EQ(e.kv.mod_revision.value(), expected);
                        ++expected;
                    }
                }
            }
            complete += expected == kRevisions + 2 ? 1 : 0;
        });
    }
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRevisions; ++i) {
        const Revision r(static_cast<uint64_t>(i) + 2);
        hub.OnApplied(
            r,
            kv::Events{kv::Event{
                .kv = {.key = "t/" + std::to_string(i % 100), .mod_revision = r, .value = "v"}}});
    }
    for (std::thread& t : readers) {
        t.join();
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    hub.Stop();
    EXPECT_EQ(complete.load(), kWatchers);
    const double deliveries_per_second = kRevisions * kWatchers / seconds;
    std::printf("hub: %d revisions to %d watchers in %.3f s: %.0f events/s delivered\n",
                kRevisions,
                kWatchers,
                seconds,
                deliveries_per_second);
    EXPECT_GT(deliveries_per_second, 50'000);
}

}  // namespace
}  // namespace keel::server
