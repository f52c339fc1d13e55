#include "transport/duplicating_delivery.h"

#include <cstdio>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

namespace keel::transport {
namespace {

std::vector<raft::Message> Batch(uint64_t term) {
    raft::Message m;
    m.type = raft::MessageType::kHeartbeat;
    m.from = NodeId(1);
    m.to = NodeId(2);
    m.term = Term(term);
    return {m};
}

// A control file of this test's own, removed at the end of its scope.
struct ControlFile {
    explicit ControlFile(const std::string& tag)
        : path(::testing::TempDir() + "keel-dup-" + tag + "-" + std::to_string(getpid())) {}

    ~ControlFile() { std::remove(path.c_str()); }

    void Write(const std::string& contents) const {
        std::ofstream(path, std::ios::trunc) << contents << "\n";
    }

    std::string path;
};

struct Recorder {
    std::vector<uint64_t> terms;

    DuplicatingDelivery::Deliver Fn() {
        return [this](std::vector<raft::Message> batch) {
            for (const raft::Message& m : batch) {
                terms.push_back(m.term.value());
            }
        };
    }
};

TEST(DuplicatingDelivery, NoControlFileDeliversEveryBatchOnce) {
    Recorder got;
    DuplicatingDelivery deliver("/nonexistent/keel-duplicate", 1, got.Fn());
    for (uint64_t t = 1; t <= 100; ++t) {
        deliver(Batch(t));
    }
    ASSERT_EQ(got.terms.size(), 100u);
    for (uint64_t t = 1; t <= 100; ++t) {
        EXPECT_EQ(got.terms[t - 1], t);
    }
    EXPECT_EQ(deliver.duplicated(), 0u);
}

TEST(DuplicatingDelivery, EveryBatchTwiceTheCopyAfterTheNextBatch) {
    const ControlFile control("all");
    control.Write(std::to_string(DuplicatingDelivery::kPpmMax));
    Recorder got;
    DuplicatingDelivery deliver(control.path, 1, got.Fn());
    deliver(Batch(1));
    deliver(Batch(2));
    deliver(Batch(3));
    // 1 | 2, copy of 1 | 3, copy of 2; the copy of 3 is held.
    EXPECT_EQ(got.terms, (std::vector<uint64_t>{1, 2, 1, 3, 2}));
    EXPECT_EQ(deliver.duplicated(), 3u);
}

TEST(DuplicatingDelivery, SeededFractionAndSwitchingOff) {
    const ControlFile control("tenth");
    control.Write("100000");  // 10%
    Recorder got;
    DuplicatingDelivery deliver(control.path, 7, got.Fn());
    for (uint64_t t = 1; t <= 10000; ++t) {
        deliver(Batch(t));
    }
    EXPECT_GT(deliver.duplicated(), 800u);
    EXPECT_LT(deliver.duplicated(), 1200u);
    // Each batch arrives once, plus once more for each duplicated one (one may still be held).
    EXPECT_GE(got.terms.size() + 1, 10000 + deliver.duplicated());
    control.Write("off");
    std::this_thread::sleep_for(DuplicatingDelivery::kControlPoll * 2);
    const uint64_t before = deliver.duplicated();
    for (uint64_t t = 1; t <= 1000; ++t) {
        deliver(Batch(t));
    }
    EXPECT_EQ(deliver.duplicated(), before);
}

TEST(DuplicatingDelivery, NeverDuplicatesASnapshot) {
    const ControlFile control("all");
    control.Write(std::to_string(DuplicatingDelivery::kPpmMax));
    Recorder got;
    DuplicatingDelivery deliver(control.path, 1, got.Fn());
    std::vector<raft::Message> snap = Batch(1);
    snap[0].type = raft::MessageType::kSnapshot;
    snap[0].snapshot.emplace();
    deliver(snap);
    deliver(Batch(2));
    EXPECT_EQ(got.terms, (std::vector<uint64_t>{1, 2}));
}

}  // namespace
}  // namespace keel::transport
