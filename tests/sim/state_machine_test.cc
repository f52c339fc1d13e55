#include "sim/state_machine.h"

#include <gtest/gtest.h>

namespace keel::sim {
namespace {

raft::Entry E(uint64_t index, uint64_t term, std::string data) {
    return raft::Entry{.term = Term(term), .index = Index(index), .data = std::move(data)};
}

TEST(StateMachine, ChainDependsOnEveryEntry) {
    StateMachine a;
    StateMachine b;
    a.Apply(E(1, 1, "x"));
    b.Apply(E(1, 1, "x"));
    EXPECT_EQ(a.chain(), b.chain());
    a.Apply(E(2, 1, "y"));
    b.Apply(E(2, 2, "y"));  // same data, different term
    EXPECT_NE(a.chain(), b.chain());
}

TEST(StateMachine, ChainIsPinned) {
    // A change here changes every trace hash; pin the function deliberately.
    StateMachine sm;
    sm.Apply(E(1, 1, "x"));
    EXPECT_EQ(sm.chain(), ChainHash(kChainSeed, E(1, 1, "x")));
    EXPECT_EQ(ChainHash(kChainSeed, E(1, 1, "")), ChainHash(kChainSeed, E(1, 1, "")));
    EXPECT_NE(ChainHash(kChainSeed, E(1, 1, "")), kChainSeed);
}

TEST(StateMachine, SnapshotImageRoundTrips) {
    StateMachine sm;
    sm.Apply(E(1, 1, ""));
    sm.Apply(E(2, 1, "p1"));
    sm.Apply(E(3, 2, "p2"));
    absl::StatusOr<StateMachine> copy = StateMachine::Decode(sm.Encode());
    ASSERT_TRUE(copy.ok()) << copy.status();
    EXPECT_EQ(copy->applied_index(), Index(3));
    EXPECT_EQ(copy->applied_term(), Term(2));
    EXPECT_EQ(copy->chain(), sm.chain());
    EXPECT_EQ(copy->payloads(), sm.payloads());
    ASSERT_EQ(copy->payloads().size(), 2u);
}

TEST(StateMachine, CorruptImagesAreDataLoss) {
    StateMachine sm;
    sm.Apply(E(1, 1, "p1"));
    const std::string image = sm.Encode();
    for (size_t i = 0; i < image.size(); ++i) {
        std::string bad = image;
        bad[i] = static_cast<char>(bad[i] ^ 0x01);
        EXPECT_EQ(StateMachine::Decode(bad).status().code(), absl::StatusCode::kDataLoss) << i;
    }
    EXPECT_EQ(StateMachine::Decode(image.substr(0, image.size() - 1)).status().code(),
              absl::StatusCode::kDataLoss);
    EXPECT_EQ(StateMachine::Decode("").status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace keel::sim
