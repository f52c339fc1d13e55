#include "check/watch_checker.h"

#include <gtest/gtest.h>

namespace keel::check {
namespace {

WatchEvent Ev(int64_t revision, const std::string& key, const std::string& value) {
    return WatchEvent{.revision = revision, .key = key, .value = value};
}

RevisionFacts Facts() {
    RevisionFacts facts{.final_revision = 10};
    facts.writes[3] = Ev(3, "a", "x");
    facts.writes[5] = Ev(5, "b", "y");
    return facts;
}

TEST(WatchChecker, GapFreePrefixPasses) {
    const std::vector<WatchRecord> records = {
        {.watcher = 0,
         .start_revision = 2,
         .events = {Ev(2, "a", "w"), Ev(3, "a", "x"), Ev(4, "c", "z"), Ev(5, "b", "y")}},
        {.watcher = 1, .start_revision = 4, .events = {Ev(4, "c", "z")}},
        {.watcher = 2, .start_revision = 4, .events = {}},
    };
    EXPECT_TRUE(CheckWatches(records, Facts()).ok());
}

TEST(WatchChecker, GapFails) {
    const absl::Status s = CheckWatches(
        {{.start_revision = 2, .events = {Ev(2, "a", "w"), Ev(4, "c", "z")}}}, Facts());
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(s.message().find("gap after rev 2"), std::string::npos) << s;
}

TEST(WatchChecker, DuplicateFails) {
    const absl::Status s = CheckWatches(
        {{.start_revision = 2, .events = {Ev(2, "a", "w"), Ev(2, "a", "w")}}}, Facts());
    EXPECT_NE(s.message().find("duplicate"), std::string::npos) << s;
}

TEST(WatchChecker, BackwardsFails) {
    const absl::Status s = CheckWatches(
        {{.start_revision = 2, .events = {Ev(2, "a", "w"), Ev(3, "a", "x"), Ev(2, "b", "w")}}},
        Facts());
    EXPECT_NE(s.message().find("backwards"), std::string::npos) << s;
}

TEST(WatchChecker, MissingFirstEventFails) {
    const absl::Status s =
        CheckWatches({{.start_revision = 2, .events = {Ev(3, "a", "x")}}}, Facts());
    EXPECT_NE(s.message().find("started at rev 2"), std::string::npos) << s;
}

TEST(WatchChecker, EventPastFinalRevisionFails) {
    const absl::Status s =
        CheckWatches({{.start_revision = 11, .events = {Ev(11, "a", "x")}}}, Facts());
    EXPECT_NE(s.message().find("past the final revision"), std::string::npos) << s;
}

TEST(WatchChecker, EventDifferentFromAcknowledgedWriteFails) {
    const absl::Status s =
        CheckWatches({{.start_revision = 3, .events = {Ev(3, "a", "not-x")}}}, Facts());
    EXPECT_NE(s.message().find("known write"), std::string::npos) << s;
    const absl::Status t =
        CheckWatches({{.start_revision = 3, .events = {Ev(3, "q", "x")}}}, Facts());
    EXPECT_NE(t.message().find("known write"), std::string::npos) << t;
}

TEST(WatchChecker, WatchersMustAgree) {
    const absl::Status s =
        CheckWatches({{.watcher = 0, .start_revision = 4, .events = {Ev(4, "c", "z")}},
                      {.watcher = 1, .start_revision = 4, .events = {Ev(4, "c", "q")}}},
                     Facts());
    EXPECT_NE(s.message().find("another watcher saw"), std::string::npos) << s;
}

}  // namespace
}  // namespace keel::check
