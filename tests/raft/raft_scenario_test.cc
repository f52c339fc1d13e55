// Datadriven scenarios for the Raft core: every file in testdata/ is a script of commands
// run against an InteractionEnv, with the expected trace after each command. Run with
// KEEL_REWRITE=1 (or --rewrite) to regenerate the traces, then review the diff.

#include <filesystem>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <gtest/gtest.h>

#include "interaction_env.h"
#include "testutil/datadriven.h"

namespace keel::raft::testing {
namespace {

using keel::testutil::TestCase;

uint64_t ParseU64(const TestCase& t, const std::string& word) {
    uint64_t value = 0;
    EXPECT_TRUE(absl::SimpleAtoi(word, &value)) << t.Where() << ": not a number: " << word;
    return value;
}

std::vector<NodeId> ParseIds(const TestCase& t, const std::vector<std::string>& words) {
    std::vector<NodeId> ids;
    for (const std::string& word : words) {
        ids.push_back(NodeId(ParseU64(t, word)));
    }
    return ids;
}

std::vector<NodeId> ListArg(const TestCase& t, std::string_view key) {
    const keel::testutil::CmdArg* arg = t.Find(key);
    return arg == nullptr ? std::vector<NodeId>{} : ParseIds(t, arg->values);
}

NodeId FirstId(const TestCase& t) {
    const std::vector<std::string> words = t.Positional();
    EXPECT_FALSE(words.empty()) << t.Where() << ": node id expected";
    return words.empty() ? NodeId(1) : NodeId(ParseU64(t, words[0]));
}

bool Flag(const TestCase& t, std::string_view key, bool fallback) {
    const std::string value = t.Get(key, fallback ? "true" : "false");
    return value == "true";
}

Config ConfigFromArgs(const TestCase& t) {
    Config config;
    config.election_timeout_ticks = static_cast<int>(ParseU64(t, t.Get("election", "10")));
    config.heartbeat_interval_ticks = static_cast<int>(ParseU64(t, t.Get("heartbeat", "1")));
    config.pre_vote = Flag(t, "pre-vote", true);
    config.check_quorum = Flag(t, "check-quorum", true);
    config.inflight_msgs_max = ParseU64(t, t.Get("inflight", "256"));
    config.append_bytes_max = ParseU64(t, t.Get("append-bytes", "1048576"));
    config.rng_seed = ParseU64(t, t.Get("seed", "0"));
    if (Flag(t, "lease-reads", false)) {
        config.read_only_mode = ReadOnlyMode::kLeaseBased;
    }
    config.testing.unsafe_commit_previous_term_entries = Flag(t, "unsafe-commit", false);
    config.testing.unsafe_skip_log_up_to_date_check = Flag(t, "unsafe-vote", false);
    config.testing.allow_unsafe = config.testing.unsafe_commit_previous_term_entries
                                  || config.testing.unsafe_skip_log_up_to_date_check;
    return config;
}

std::optional<ConfChange> ParseConfChange(const TestCase& t) {
    ConfChange change;
    const std::string transition = t.Get("transition", "auto");
    if (transition == "implicit") {
        change.transition = ConfChangeTransition::kJointImplicit;
    } else if (transition == "explicit") {
        change.transition = ConfChangeTransition::kJointExplicit;
    }
    const std::vector<std::string> words = t.Positional();
    for (size_t i = 1; i < words.size(); ++i) {
        const std::string& word = words[i];
        ConfChangeSingle single{.node = NodeId(ParseU64(t, word.substr(1)))};
        if (word[0] == 'v') {
            single.type = ConfChangeType::kAddVoter;
        } else if (word[0] == 'l') {
            single.type = ConfChangeType::kAddLearner;
        } else if (word[0] == 'r') {
            single.type = ConfChangeType::kRemoveNode;
        } else {
            ADD_FAILURE() << t.Where() << ": bad change " << word;
            return std::nullopt;
        }
        change.changes.push_back(single);
    }
    return change;
}

std::string FormatResult(const ProposeResult& result) {
    if (result.ok()) {
        return absl::StrCat("ok index=", result.index.value(), " term=", result.term.value());
    }
    return absl::StrCat(ProposeErrorName(result.error), " leader=", result.leader_hint.value());
}

std::string Applied(const EnvNode& n) {
    std::string out;
    for (const Entry& entry : n.applied_entries) {
        absl::StrAppend(&out, FormatEntry(entry), "\n");
    }
    return out.empty() ? "none\n" : out;
}

// Runs one command of the scenario language against `env`; returns what to print.
std::string RunCommand(InteractionEnv& env, const TestCase& t) {
    const std::string& cmd = t.command;
    std::string result;
    if (cmd == "add-nodes") {
        std::optional<ConfState> conf;
        if (t.Find("voters") != nullptr) {
            conf = ConfState{.voters = ListArg(t, "voters"), .learners = ListArg(t, "learners")};
        }
        env.AddNodes(static_cast<int>(FirstId(t).value()), ConfigFromArgs(t), conf);
    } else if (cmd == "campaign") {
        env.node(FirstId(t)).raw->Campaign();
    } else if (cmd == "tick") {
        env.Tick(FirstId(t), static_cast<int>(ParseU64(t, t.Get("n", "1"))));
    } else if (cmd == "tick-election") {
        EnvNode& n = env.node(FirstId(t));
        env.Tick(FirstId(t), 2 * n.config.election_timeout_ticks);
    } else if (cmd == "tick-heartbeat") {
        EnvNode& n = env.node(FirstId(t));
        env.Tick(FirstId(t), n.config.heartbeat_interval_ticks);
    } else if (cmd == "propose") {
        const std::vector<std::string> words = t.Positional();
        result = FormatResult(env.node(FirstId(t)).raw->Propose(words.size() > 1 ? words[1] : ""));
    } else if (cmd == "propose-conf-change") {
        std::optional<ConfChange> change = ParseConfChange(t);
        if (change.has_value()) {
            result = FormatResult(env.node(FirstId(t)).raw->ProposeConfChange(*change));
        }
    } else if (cmd == "process-ready") {
        for (NodeId id : ParseIds(t, t.Positional())) {
            env.ProcessReady(id);
        }
    } else if (cmd == "deliver-msgs") {
        env.DeliverMsgs(ParseIds(t, t.Positional()));
    } else if (cmd == "drop-msgs") {
        const size_t dropped = env.DropMsgs(NodeId(ParseU64(t, t.Get("from", "0"))),
                                            NodeId(ParseU64(t, t.Get("to", "0"))));
        result = absl::StrCat("dropped ", dropped);
    } else if (cmd == "stabilize") {
        env.Stabilize(ParseIds(t, t.Positional()));
    } else if (cmd == "cut") {
        const std::vector<NodeId> ids = ParseIds(t, t.Positional());
        env.Cut(ids.at(0), ids.at(1));
    } else if (cmd == "isolate") {
        env.Isolate(FirstId(t));
    } else if (cmd == "heal") {
        env.Heal();
    } else if (cmd == "restart") {
        env.Restart(FirstId(t));
    } else if (cmd == "status") {
        for (NodeId id : ParseIds(t, t.Positional())) {
            result += env.Status(id);
        }
    } else if (cmd == "raft-log") {
        result = env.RaftLog(FirstId(t));
    } else if (cmd == "applied") {
        result = Applied(env.node(FirstId(t)));
    } else if (cmd == "compact") {
        const Index index(ParseU64(t, t.Positional().at(1)));
        const absl::Status s = env.Compact(FirstId(t), index);
        result = s.ok() ? "ok" : s.ToString();
    } else if (cmd == "transfer-leadership") {
        env.node(FirstId(t)).raw->TransferLeadership(NodeId(ParseU64(t, t.Get("to", "0"))));
    } else if (cmd == "read-index") {
        env.node(FirstId(t)).raw->ReadIndex(t.Positional().at(1));
    } else if (cmd == "report-unreachable") {
        env.node(FirstId(t)).raw->ReportUnreachable(NodeId(ParseU64(t, t.Positional().at(1))));
    } else if (cmd == "report-snapshot") {
        const SnapshotStatus status =
            Flag(t, "failed", false) ? SnapshotStatus::kFailed : SnapshotStatus::kFinished;
        env.node(FirstId(t)).raw->ReportSnapshot(NodeId(ParseU64(t, t.Positional().at(1))), status);
    } else if (cmd == "log-level") {
        const std::string level = t.Positional().at(0);
        env.set_log_level(level == "debug"  ? InteractionEnv::LogLevel::kDebug
                          : level == "none" ? InteractionEnv::LogLevel::kNone
                                            : InteractionEnv::LogLevel::kInfo);
    } else {
        ADD_FAILURE() << t.Where() << ": unknown command " << cmd;
    }
    for (NodeId id : env.ids()) {
        env.node(id).raw->CheckInvariants();
    }
    return env.TakeOutput() + result;
}

class RaftScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(RaftScenario, Run) {
    InteractionEnv env;
    keel::testutil::RunFile(GetParam(), [&](const TestCase& t) { return RunCommand(env, t); });
}

INSTANTIATE_TEST_SUITE_P(Testdata,
                         RaftScenario,
                         ::testing::ValuesIn(keel::testutil::ListTestFiles("testdata")),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string name = std::filesystem::path(param.param).stem().string();
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

}  // namespace
}  // namespace keel::raft::testing
