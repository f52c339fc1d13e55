#include "check/linearizability.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/rng.h"

namespace keel::check {
namespace {

// Builders for hand-written histories: times are small integers.
Operation Put(int client, const std::string& value, int64_t call, int64_t ret) {
    return Operation{.client = client,
                     .kind = OpKind::kPut,
                     .key = "k",
                     .value = value,
                     .call_ns = call,
                     .return_ns = ret};
}

Operation Get(int client, std::optional<std::string> read, int64_t call, int64_t ret) {
    return Operation{.client = client,
                     .kind = OpKind::kGet,
                     .key = "k",
                     .output_value = std::move(read),
                     .call_ns = call,
                     .return_ns = ret};
}

Operation Cas(int client,
              std::optional<std::string> expected,
              const std::string& value,
              bool swapped,
              int64_t call,
              int64_t ret) {
    return Operation{.client = client,
                     .kind = OpKind::kCas,
                     .key = "k",
                     .value = value,
                     .expected = std::move(expected),
                     .output_swapped = swapped,
                     .call_ns = call,
                     .return_ns = ret};
}

Operation Unknown(Operation op) {
    op.outcome = Outcome::kUnknown;
    return op;
}

Operation Failed(Operation op) {
    op.outcome = Outcome::kFail;
    return op;
}

Verdict Check(const History& h) {
    return CheckLinearizable(h).verdict;
}

TEST(Linearizability, EmptyHistoryIsLinearizable) {
    EXPECT_EQ(Check({}), Verdict::kLinearizable);
}

TEST(Linearizability, SequentialWriteThenRead) {
    EXPECT_EQ(Check({Put(0, "a", 0, 1), Get(1, "a", 2, 3)}), Verdict::kLinearizable);
}

TEST(Linearizability, ReadOfNeverWrittenValueIsNot) {
    EXPECT_EQ(Check({Put(0, "a", 0, 1), Get(1, "b", 2, 3)}), Verdict::kNotLinearizable);
}

TEST(Linearizability, StaleReadIsNot) {
    // The classic stale read: b is acknowledged before the read starts, yet the read sees a
    // (e.g. an old leader answering from its own state).
    EXPECT_EQ(Check({Put(0, "a", 0, 1), Put(0, "b", 2, 3), Get(1, "a", 4, 5)}),
              Verdict::kNotLinearizable);
}

TEST(Linearizability, ReadConcurrentWithWriteMaySeeEither) {
    EXPECT_EQ(Check({Put(0, "a", 0, 1), Put(0, "b", 2, 6), Get(1, "a", 3, 4)}),
              Verdict::kLinearizable);
    EXPECT_EQ(Check({Put(0, "a", 0, 1), Put(0, "b", 2, 6), Get(1, "b", 3, 4)}),
              Verdict::kLinearizable);
}

TEST(Linearizability, ReadsMustNotGoBackInTime) {
    // During a slow write, one reader sees the new value, then a later reader sees the old one.
    EXPECT_EQ(Check({Put(0, "a", 0, 1), Put(0, "b", 2, 10), Get(1, "b", 3, 4), Get(2, "a", 5, 6)}),
              Verdict::kNotLinearizable);
}

TEST(Linearizability, LostUpdateIsNot) {
    // The classic lost update: two CASes from the same value both succeed.
    EXPECT_EQ(Check({Put(0, "0", 0, 1),
                     Cas(1, "0", "1", true, 2, 5),
                     Cas(2, "0", "2", true, 3, 6),
                     Get(0, "2", 7, 8)}),
              Verdict::kNotLinearizable);
}

TEST(Linearizability, OneOfTwoConcurrentCasesWins) {
    EXPECT_EQ(Check({Put(0, "0", 0, 1),
                     Cas(1, "0", "1", true, 2, 5),
                     Cas(2, "0", "2", false, 3, 6),
                     Get(0, "1", 7, 8)}),
              Verdict::kLinearizable);
}

TEST(Linearizability, CasOnAbsentKey) {
    EXPECT_EQ(Check({Cas(0, std::nullopt, "x", true, 0, 1), Get(1, "x", 2, 3)}),
              Verdict::kLinearizable);
    EXPECT_EQ(Check({Put(0, "a", 0, 1), Cas(0, std::nullopt, "x", true, 2, 3)}),
              Verdict::kNotLinearizable);
}

TEST(Linearizability, AcknowledgedWriteCannotVanish) {
    EXPECT_EQ(Check({Put(0, "a", 0, 1), Get(1, std::nullopt, 2, 3)}), Verdict::kNotLinearizable);
}

TEST(Linearizability, UnknownWriteMayHaveHappened) {
    EXPECT_EQ(Check({Unknown(Put(0, "a", 0, 1)), Get(1, "a", 5, 6)}), Verdict::kLinearizable);
}

TEST(Linearizability, UnknownWriteMayNotHaveHappened) {
    EXPECT_EQ(Check({Unknown(Put(0, "a", 0, 1)), Get(1, std::nullopt, 5, 6)}),
              Verdict::kLinearizable);
}

TEST(Linearizability, UnknownWriteTakesEffectOnceAtMost) {
    // Once seen it cannot be undone: absent, a, absent would need the write to vanish.
    EXPECT_EQ(Check({Unknown(Put(0, "a", 0, 1)), Get(1, "a", 5, 6), Get(1, std::nullopt, 7, 8)}),
              Verdict::kNotLinearizable);
}

TEST(Linearizability, UnknownWriteCannotPrecedeItsCall) {
    EXPECT_EQ(Check({Get(1, "a", 0, 1), Unknown(Put(0, "a", 5, 6))}), Verdict::kNotLinearizable);
}

TEST(Linearizability, FailedWriteNeverHappened) {
    EXPECT_EQ(Check({Failed(Put(0, "a", 0, 1)), Get(1, "a", 5, 6)}), Verdict::kNotLinearizable);
    EXPECT_EQ(Check({Failed(Put(0, "a", 0, 1)), Get(1, std::nullopt, 5, 6)}),
              Verdict::kLinearizable);
}

TEST(Linearizability, KeysAreIndependent) {
    Operation other = Get(1, "z", 2, 3);
    other.key = "other";
    const CheckResult result = CheckLinearizable({Put(0, "a", 0, 1), other});
    EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
    EXPECT_EQ(result.key, "other");
    EXPECT_EQ(result.keys, 2u);  // "k" (fine) is checked first, then "other"
}

TEST(Linearizability, GivesUpWhenTheBudgetRunsOut) {
    History h;
    for (int i = 0; i < 40; ++i) {
        h.push_back(Put(i, std::to_string(i), 0, 100));
    }
    h.push_back(Get(99, "nope", 200, 201));
    const CheckResult result = CheckLinearizable(h, CheckOptions{.steps_per_key_max = 1000});
    EXPECT_EQ(result.verdict, Verdict::kGaveUp);
}

TEST(Linearizability, TheCachePrunesOrdersThatReachTheSameState) {
    // 14 concurrent writes of one value, then a read of another: 14! orders to refute without
    // the cache, but only 2^14 distinct (linearized set, state) pairs with it.
    History h;
    for (int i = 0; i < 14; ++i) {
        h.push_back(Put(i, "v", 0, 100));
    }
    h.push_back(Get(99, "w", 200, 201));
    const CheckResult result = CheckLinearizable(h);
    EXPECT_EQ(result.verdict, Verdict::kNotLinearizable);
    EXPECT_LT(result.steps, 2'000'000u);
}

TEST(Linearizability, ReportNamesTheKeyAndOps) {
    const CheckResult result =
        CheckLinearizable({Put(0, "a", 0, 1), Put(0, "b", 2, 3), Get(1, "a", 4, 5)});
    const std::string report = Report(result);
    EXPECT_NE(report.find("NOT linearizable: key k"), std::string::npos) << report;
    EXPECT_NE(report.find("stuck at: client 1 [4, 5] ok get k -> \"a\""), std::string::npos)
        << report;
}

// The brute-force reference: some subset of the unknown ops and some order of them with every
// ok op that respects real time (a before b when a returned before b was called) replays
// through the model with every ok op's recorded output.
bool MustPrecede(const Operation& a, const Operation& b) {
    return a.outcome == Outcome::kOk && a.return_ns < b.call_ns;
}

bool BruteForce(const std::vector<Operation>& ops,
                std::vector<bool>& done,
                const RegisterState& state) {
    bool all_ok_done = true;
    for (size_t i = 0; i < ops.size(); ++i) {
        all_ok_done = all_ok_done && (done[i] || ops[i].outcome != Outcome::kOk);
    }
    if (all_ok_done) {
        return true;  // the remaining unknown ops did not happen
    }
    for (size_t i = 0; i < ops.size(); ++i) {
        if (done[i]) {
            continue;
        }
        bool ready = true;
        for (size_t j = 0; j < ops.size() && ready; ++j) {
            ready = done[j] || j == i || !MustPrecede(ops[j], ops[i]);
        }
        if (!ready) {
            continue;
        }
        const std::optional<RegisterState> next = StepRegister(state, ops[i]);
        if (!next) {
            continue;
        }
        done[i] = true;
        const bool found = BruteForce(ops, done, *next);
        done[i] = false;
        if (found) {
            return true;
        }
    }
    return false;
}

// A random tiny history over values {"0","1","2"}: random intervals, random outputs, some
// unknown and failed outcomes.
History RandomHistory(base::Rng& rng) {
    History h;
    const int n = static_cast<int>(rng.Range(1, 7));
    auto value = [&rng]() -> std::optional<std::string> {
        const uint64_t v = rng.Uniform(4);
        return v == 3 ? std::nullopt : std::optional<std::string>(std::to_string(v));
    };
    for (int i = 0; i < n; ++i) {
        const auto call = static_cast<int64_t>(rng.Uniform(20));
        const auto ret = call + static_cast<int64_t>(rng.Range(0, 8));
        const uint64_t kind = rng.Uniform(3);
        Operation op;
        if (kind == 0) {
            op = Get(i, value(), call, ret);
        } else if (kind == 1) {
            op = Put(i, std::to_string(rng.Uniform(3)), call, ret);
        } else {
            op = Cas(i, value(), std::to_string(rng.Uniform(3)), rng.Chance(1, 2), call, ret);
        }
        const uint64_t outcome = rng.Uniform(8);
        if (outcome == 0) {
            op = Unknown(op);
        } else if (outcome == 1) {
            op = Failed(op);
        }
        h.push_back(op);
    }
    return h;
}

TEST(Linearizability, AgreesWithBruteForceOnRandomTinyHistories) {
    constexpr uint64_t kSeed = 7;
    base::Rng rng(kSeed);
    int linearizable = 0;
    int not_linearizable = 0;
    for (int trial = 0; trial < 20000; ++trial) {
        const History h = RandomHistory(rng);
        std::vector<Operation> live;
        for (const Operation& op : h) {
            if (op.outcome != Outcome::kFail) {
                live.push_back(op);
            }
        }
        std::vector<bool> done(live.size(), false);
        const bool expected = BruteForce(live, done, std::nullopt);
        const Verdict got = Check(h);
        ASSERT_NE(got, Verdict::kGaveUp);
        std::string shown;
        for (const Operation& op : h) {
            shown += Describe(op) + "\n";
        }
        ASSERT_EQ(got == Verdict::kLinearizable, expected)
            << "seed " << kSeed << " trial " << trial << "\n"
            << shown;
        (expected ? linearizable : not_linearizable)++;
    }
    // Both answers must be common, or the comparison proves little.
    EXPECT_GT(linearizable, 2000);
    EXPECT_GT(not_linearizable, 2000);
}

}  // namespace
}  // namespace keel::check
