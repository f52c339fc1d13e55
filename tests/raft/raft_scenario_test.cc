// Datadriven scenarios for the Raft core: every file in testdata/ is a script of commands
// run against an InteractionEnv, with the expected trace after each command. Run with
// KEEL_REWRITE=1 (or --rewrite) to regenerate the traces, then review the diff.

#include <filesystem>
#include <map>

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

using Handler = std::string (*)(InteractionEnv&, const TestCase&);

std::string AddNodes(InteractionEnv& env, const TestCase& t) {
    std::optional<ConfState> conf;
    if (t.Find("voters") != nullptr) {
        conf = ConfState{.voters = ListArg(t, "voters"), .learners = ListArg(t, "learners")};
    }
    env.AddNodes(static_cast<int>(FirstId(t).value()), ConfigFromArgs(t), conf);
    return "";
}

std::string Propose(InteractionEnv& env, const TestCase& t) {
    const std::vector<std::string> words = t.Positional();
    return FormatResult(env.node(FirstId(t)).raw->Propose(words.size() > 1 ? words[1] : ""));
}

std::string ProposeConfChange(InteractionEnv& env, const TestCase& t) {
    std::optional<ConfChange> change = ParseConfChange(t);
    return change.has_value() ? FormatResult(env.node(FirstId(t)).raw->ProposeConfChange(*change))
                              : "";
}

std::string Compact(InteractionEnv& env, const TestCase& t) {
    const absl::Status s = env.Compact(FirstId(t), Index(ParseU64(t, t.Positional().at(1))));
    return s.ok() ? "ok" : s.ToString();
}

std::string Status(InteractionEnv& env, const TestCase& t) {
    std::string out;
    for (NodeId id : ParseIds(t, t.Positional())) {
        out += env.Status(id);
    }
    return out;
}

std::string ReportSnapshot(InteractionEnv& env, const TestCase& t) {
    const SnapshotStatus status =
        Flag(t, "failed", false) ? SnapshotStatus::kFailed : SnapshotStatus::kFinished;
    env.node(FirstId(t)).raw->ReportSnapshot(NodeId(ParseU64(t, t.Positional().at(1))), status);
    return "";
}

std::string LogLevel(InteractionEnv& env, const TestCase& t) {
    const std::string level = t.Positional().at(0);
    env.set_log_level(level == "debug"  ? InteractionEnv::LogLevel::kDebug
                      : level == "none" ? InteractionEnv::LogLevel::kNone
                                        : InteractionEnv::LogLevel::kInfo);
    return "";
}

// The scenario language: one handler per command.
const std::map<std::string, Handler>& Handlers() {
    static const auto* handlers = new std::map<std::string, Handler>{
        {"add-nodes", AddNodes},
        {"campaign",
         [](InteractionEnv& env, const TestCase& t) {
             env.node(FirstId(t)).raw->Campaign();
             return std::string();
         }},
        {"tick",
         [](InteractionEnv& env, const TestCase& t) {
             env.Tick(FirstId(t), static_cast<int>(ParseU64(t, t.Get("n", "1"))));
             return std::string();
         }},
        {"tick-election",
         [](InteractionEnv& env, const TestCase& t) {
             env.Tick(FirstId(t), 2 * env.node(FirstId(t)).config.election_timeout_ticks);
             return std::string();
         }},
        {"tick-heartbeat",
         [](InteractionEnv& env, const TestCase& t) {
             env.Tick(FirstId(t), env.node(FirstId(t)).config.heartbeat_interval_ticks);
             return std::string();
         }},
        {"propose", Propose},
        {"propose-conf-change", ProposeConfChange},
        {"process-ready",
         [](InteractionEnv& env, const TestCase& t) {
             for (NodeId id : ParseIds(t, t.Positional())) {
                 env.ProcessReady(id);
             }
             return std::string();
         }},
        {"deliver-msgs",
         [](InteractionEnv& env, const TestCase& t) {
             env.DeliverMsgs(ParseIds(t, t.Positional()));
             return std::string();
         }},
        {"drop-msgs",
         [](InteractionEnv& env, const TestCase& t) {
             return absl::StrCat("dropped ",
                                 env.DropMsgs(NodeId(ParseU64(t, t.Get("from", "0"))),
                                              NodeId(ParseU64(t, t.Get("to", "0")))));
         }},
        {"stabilize",
         [](InteractionEnv& env, const TestCase& t) {
             env.Stabilize(ParseIds(t, t.Positional()));
             return std::string();
         }},
        {"cut",
         [](InteractionEnv& env, const TestCase& t) {
             const std::vector<NodeId> ids = ParseIds(t, t.Positional());
             env.Cut(ids.at(0), ids.at(1));
             return std::string();
         }},
        {"isolate",
         [](InteractionEnv& env, const TestCase& t) {
             env.Isolate(FirstId(t));
             return std::string();
         }},
        {"heal",
         [](InteractionEnv& env, const TestCase&) {
             env.Heal();
             return std::string();
         }},
        {"restart",
         [](InteractionEnv& env, const TestCase& t) {
             env.Restart(FirstId(t));
             return std::string();
         }},
        {"status", Status},
        {"raft-log",
         [](InteractionEnv& env, const TestCase& t) {
             return env.RaftLog(FirstId(t));
         }},
        {"applied",
         [](InteractionEnv& env, const TestCase& t) {
             return Applied(env.node(FirstId(t)));
         }},
        {"compact", Compact},
        {"transfer-leadership",
         [](InteractionEnv& env, const TestCase& t) {
             env.node(FirstId(t)).raw->TransferLeadership(NodeId(ParseU64(t, t.Get("to", "0"))));
             return std::string();
         }},
        {"read-index",
         [](InteractionEnv& env, const TestCase& t) {
             env.node(FirstId(t)).raw->ReadIndex(t.Positional().at(1));
             return std::string();
         }},
        {"report-unreachable",
         [](InteractionEnv& env, const TestCase& t) {
             env.node(FirstId(t)).raw->ReportUnreachable(NodeId(ParseU64(t, t.Positional().at(1))));
             return std::string();
         }},
        {"report-snapshot", ReportSnapshot},
        {"log-level", LogLevel},
    };
    return *handlers;
}

// Runs one command against `env`, checks every node's invariants, returns what to print.
std::string RunCommand(InteractionEnv& env, const TestCase& t) {
    auto it = Handlers().find(t.command);
    if (it == Handlers().end()) {
        ADD_FAILURE() << t.Where() << ": unknown command " << t.command;
        return "";
    }
    const std::string result = it->second(env, t);
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
