// Datadriven scenarios for the MVCC store: every file in testdata/ is a script of commands
// against one store, with the expected response and events after each. Run with
// KEEL_REWRITE=1 (or --rewrite) to regenerate the expectations, then review the diff.
//
// Commands (keys and values accept C escapes, e.g. \x00):
//   put <key> [<value>] [lease=<id>] [prev_kv] [ignore_value] [ignore_lease]
//   get <key> [end=<key>|prefix|from] [rev=<r>] [limit=<n>] [sort=<target>]
//       [order=none|ascend|descend] [keys_only] [count_only] [min_mod=<r>] [max_mod=<r>]
//       [min_create=<r>] [max_create=<r>]
//   del <key> [end=...] [prev_kv]
//   txn, with input lines "if <target> <key> <op> <operand>", "then <op...>", "else <op...>"
//       where target is value|version|create|mod|lease, op is = != > <, and each op is a
//       put/get/del command line as above
//   compact <rev>        grant ttl=<s> [id=<id>]      revoke <id>       ttl <id>
//   checkpoint-lease <id> remaining=<s>     history <key> [end=...] from=<r> [prev_kv]
//   flush                crash (close, dropping unflushed data, and reopen)
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <absl/strings/escaping.h>
#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <gtest/gtest.h>

#include "kv/key_range.h"
#include "kv/mvcc_store.h"
#include "store_fixture.h"
#include "testutil/datadriven.h"

namespace keel::kv {
namespace {

using keel::testutil::TestCase;

std::string Quote(const std::string& bytes) {
    return absl::StrCat("\"", absl::CHexEscape(bytes), "\"");
}

std::string Unescape(const TestCase& t, const std::string& text) {
    std::string out;
    EXPECT_TRUE(absl::CUnescape(text, &out)) << t.Where() << ": bad escape in " << text;
    return out;
}

uint64_t Number(const TestCase& t, std::string_view key, uint64_t fallback = 0) {
    const std::string text = t.Get(key, std::to_string(fallback));
    uint64_t value = 0;
    EXPECT_TRUE(absl::SimpleAtoi(text, &value)) << t.Where() << ": " << key << " not a number";
    return value;
}

bool IsFlag(const std::string& word) {
    static constexpr const char* kFlags[] = {
        "prev_kv", "ignore_value", "ignore_lease", "keys_only", "count_only", "prefix", "from"};
    return std::find(std::begin(kFlags), std::end(kFlags), word) != std::end(kFlags);
}

// The i-th bare word that is not a flag, unescaped.
std::string Word(const TestCase& t, size_t i, const std::string& fallback = "") {
    std::vector<std::string> words = t.Positional();
    std::erase_if(words, IsFlag);
    return i < words.size() ? Unescape(t, words[i]) : fallback;
}

bool Flag(const TestCase& t, std::string_view key) {
    return t.Find(key) != nullptr;
}

std::string Format(const KeyValue& kv) {
    std::string out = absl::StrCat(Quote(kv.key),
                                   "=",
                                   Quote(kv.value),
                                   " create=",
                                   kv.create_revision.value(),
                                   " mod=",
                                   kv.mod_revision.value(),
                                   " ver=",
                                   kv.version);
    if (!kv.lease.is_none()) {
        absl::StrAppend(&out, " lease=", kv.lease.value());
    }
    return out;
}

void AppendEvents(const Events& events, std::string* out) {
    for (const Event& event : events) {
        if (event.type == EventType::kPut) {
            absl::StrAppend(out, "event: put ", Format(event.kv));
        } else {
            absl::StrAppend(
                out, "event: delete ", Quote(event.kv.key), " mod=", event.kv.mod_revision.value());
        }
        if (event.prev_kv.has_value()) {
            absl::StrAppend(out, " (prev ", Format(*event.prev_kv), ")");
        }
        absl::StrAppend(out, "\n");
    }
}

std::string FormatError(const absl::Status& status) {
    return absl::StrCat(
        "error: ", absl::StatusCodeToString(status.code()), ": ", status.message(), "\n");
}

// The range_end named by end=<key>, `prefix` or `from`.
std::string RangeEnd(const TestCase& t, const std::string& key) {
    if (Flag(t, "prefix")) {
        return PrefixEnd(key);
    }
    if (Flag(t, "from")) {
        return std::string(1, '\0');
    }
    return Unescape(t, t.Get("end", ""));
}

SortTarget ParseSortTarget(const std::string& name) {
    if (name == "version") {
        return SortTarget::kVersion;
    }
    if (name == "create") {
        return SortTarget::kCreate;
    }
    if (name == "mod") {
        return SortTarget::kMod;
    }
    return name == "value" ? SortTarget::kValue : SortTarget::kKey;
}

RangeRequest ParseGet(const TestCase& t) {
    RangeRequest request{.key = Word(t, 0)};
    request.range_end = RangeEnd(t, request.key);
    request.revision = Revision(Number(t, "rev"));
    request.limit = static_cast<int64_t>(Number(t, "limit"));
    request.sort_target = ParseSortTarget(t.Get("sort", "key"));
    const std::string order = t.Get("order", "none");
    request.sort_order = order == "ascend"    ? SortOrder::kAscend
                         : order == "descend" ? SortOrder::kDescend
                                              : SortOrder::kNone;
    request.keys_only = Flag(t, "keys_only");
    request.count_only = Flag(t, "count_only");
    request.min_mod_revision = Revision(Number(t, "min_mod"));
    request.max_mod_revision = Revision(Number(t, "max_mod"));
    request.min_create_revision = Revision(Number(t, "min_create"));
    request.max_create_revision = Revision(Number(t, "max_create"));
    return request;
}

PutRequest ParsePut(const TestCase& t) {
    return PutRequest{.key = Word(t, 0),
                      .value = Word(t, 1),
                      .lease = LeaseId(Number(t, "lease")),
                      .prev_kv = Flag(t, "prev_kv"),
                      .ignore_value = Flag(t, "ignore_value"),
                      .ignore_lease = Flag(t, "ignore_lease")};
}

DeleteRangeRequest ParseDel(const TestCase& t) {
    DeleteRangeRequest request{.key = Word(t, 0), .prev_kv = Flag(t, "prev_kv")};
    request.range_end = RangeEnd(t, request.key);
    return request;
}

std::string FormatRange(const RangeResponse& response) {
    std::string out = absl::StrCat("rev=",
                                   response.header.revision.value(),
                                   " count=",
                                   response.count,
                                   response.more ? " more" : "",
                                   "\n");
    for (const KeyValue& kv : response.kvs) {
        absl::StrAppend(&out, Format(kv), "\n");
    }
    return out;
}

std::string FormatResponse(const ResponseOp& op) {
    if (const auto* range = std::get_if<RangeResponse>(&op.response)) {
        return absl::StrCat("get: ", FormatRange(*range));
    }
    if (const auto* put = std::get_if<PutResponse>(&op.response)) {
        return absl::StrCat("put: rev=", put->header.revision.value(), "\n");
    }
    const auto& del = std::get<DeleteRangeResponse>(op.response);
    return absl::StrCat("del: rev=", del.header.revision.value(), " deleted=", del.deleted, "\n");
}

// The scenario's store and the next Raft index to apply at.
class Scenario {
public:
    Scenario() { Open(ShutdownMode::kDropUnflushed); }

    std::string Run(const TestCase& t);

private:
    void Open(ShutdownMode shutdown) {
        store_.reset();
        store_ = *MvccStore::Open(dir_.Sub("db"), {.shutdown = shutdown});
        index_ = store_->applied_index();
    }

    ApplyContext Next() {
        ++index_;
        return ApplyContext{.index = index_};
    }

    std::string RunWrite(const TestCase& t);
    std::string RunLease(const TestCase& t);
    std::string RunRead(const TestCase& t);
    std::string RunTxn(const TestCase& t);
    std::string RunMaintenance(const TestCase& t);

    testing::ScratchDir dir_;
    std::unique_ptr<MvccStore> store_;
    Index index_;
};

template <typename Response, typename Formatter>
std::string FormatApply(const ApplyResult<Response>& result, Formatter format) {
    if (!result.response.ok()) {
        return FormatError(result.response.status());
    }
    std::string out = format(*result.response);
    AppendEvents(result.events, &out);
    return out;
}

std::string Scenario::RunWrite(const TestCase& t) {
    if (t.command == "put") {
        return FormatApply(store_->ApplyPut(Next(), ParsePut(t)), [](const PutResponse& r) {
            std::string out = absl::StrCat("rev=", r.header.revision.value(), "\n");
            if (r.prev_kv.has_value()) {
                absl::StrAppend(&out, "prev: ", Format(*r.prev_kv), "\n");
            }
            return out;
        });
    }
    return FormatApply(
        store_->ApplyDeleteRange(Next(), ParseDel(t)), [](const DeleteRangeResponse& r) {
            std::string out =
                absl::StrCat("rev=", r.header.revision.value(), " deleted=", r.deleted, "\n");
            for (const KeyValue& kv : r.prev_kvs) {
                absl::StrAppend(&out, "prev: ", Format(kv), "\n");
            }
            return out;
        });
}

std::string Scenario::RunLease(const TestCase& t) {
    const LeaseId id(Number(t, "id", Word(t, 0).empty() ? 0 : std::stoull(Word(t, 0))));
    if (t.command == "grant") {
        const LeaseGrantRequest request{.ttl = static_cast<int64_t>(Number(t, "ttl")), .id = id};
        return FormatApply(store_->ApplyLeaseGrant(Next(), request), [](const auto& r) {
            return absl::StrCat("lease=", r.id.value(), " ttl=", r.ttl, "\n");
        });
    }
    if (t.command == "revoke") {
        return FormatApply(store_->ApplyLeaseRevoke(Next(), {.id = id}), [](const auto& r) {
            return absl::StrCat("rev=", r.header.revision.value(), "\n");
        });
    }
    if (t.command == "checkpoint-lease") {
        const LeaseCheckpoint checkpoint{
            .id = id, .remaining_ttl = static_cast<int64_t>(Number(t, "remaining"))};
        return FormatApply(store_->ApplyLeaseCheckpoint(Next(), {.checkpoints = {checkpoint}}),
                           [](const auto&) { return std::string("ok\n"); });
    }
    const auto ttl = store_->LeaseTimeToLive({.id = id, .keys = true});
    if (!ttl.ok()) {
        return FormatError(ttl.status());
    }
    std::vector<std::string> keys;
    std::transform(ttl->keys.begin(), ttl->keys.end(), std::back_inserter(keys), Quote);
    return absl::StrCat("granted=",
                        ttl->granted_ttl,
                        " hint=",
                        ttl->remaining_ttl_hint ? std::to_string(*ttl->remaining_ttl_hint) : "none",
                        " keys=(",
                        absl::StrJoin(keys, ","),
                        ")\n");
}

std::string Scenario::RunRead(const TestCase& t) {
    if (t.command == "get") {
        const auto response = store_->Range(ParseGet(t));
        return response.ok() ? FormatRange(*response) : FormatError(response.status());
    }
    HistoryRequest request{.key = Word(t, 0),
                           .start_revision = Revision(Number(t, "from")),
                           .prev_kv = Flag(t, "prev_kv")};
    request.range_end = Unescape(t, t.Get("end", ""));
    const auto response = store_->History(request);
    if (!response.ok()) {
        return FormatError(response.status());
    }
    std::string out = absl::StrCat("next=", response->next_revision.value(), "\n");
    AppendEvents(response->events, &out);
    return out;
}

std::string Scenario::RunMaintenance(const TestCase& t) {
    if (t.command == "compact") {
        const Revision revision(std::stoull(Word(t, 0, "0")));
        return FormatApply(
            store_->ApplyCompaction(Next(), {.revision = revision}),
            [](const auto& r) { return absl::StrCat("rev=", r.header.revision.value(), "\n"); });
    }
    if (t.command == "flush") {
        EXPECT_TRUE(store_->Flush().ok());
    } else {
        Open(ShutdownMode::kDropUnflushed);  // Closing drops the memtable: a crash.
    }
    store_->CheckInvariants();
    return absl::StrCat(
        "applied=", store_->applied_index().value(), " rev=", store_->revision().value(), "\n");
}

// A command line inside a txn's input block, parsed as the harness parses command lines
// (without the harness's list syntax, which txn ops do not need).
TestCase ParseLine(const TestCase& parent, absl::string_view line) {
    TestCase t{.file = parent.file, .line = parent.line};
    const std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    for (size_t i = 0; i < words.size(); ++i) {
        if (i == 0) {
            t.command = words[0];
            continue;
        }
        const size_t eq = words[i].find('=');
        if (eq == std::string::npos || eq == 0) {
            t.args.push_back({.key = words[i]});
        } else {
            t.args.push_back({.key = words[i].substr(0, eq), .values = {words[i].substr(eq + 1)}});
        }
    }
    return t;
}

RequestOp ParseOp(const TestCase& t) {
    if (t.command == "put") {
        return RequestOp{ParsePut(t)};
    }
    if (t.command == "del") {
        return RequestOp{ParseDel(t)};
    }
    EXPECT_EQ(t.command, "get") << t.Where() << ": txn ops are put, get and del";
    return RequestOp{ParseGet(t)};
}

// "<target> <key> <op> <operand>", e.g. "version a > 0".
Compare ParseCompare(const TestCase& parent, absl::string_view text) {
    const std::vector<std::string> words = absl::StrSplit(text, ' ', absl::SkipEmpty());
    EXPECT_EQ(words.size(), 4u) << parent.Where() << ": compare is <target> <key> <op> <operand>";
    Compare compare;
    if (words.size() != 4) {
        return compare;
    }
    compare.key = Unescape(parent, words[1]);
    const std::string& op = words[2];
    compare.result = op == "="    ? CompareResult::kEqual
                     : op == "!=" ? CompareResult::kNotEqual
                     : op == ">"  ? CompareResult::kGreater
                                  : CompareResult::kLess;
    const std::string operand = Unescape(parent, words[3]);
    int64_t number = 0;
    const bool numeric = absl::SimpleAtoi(operand, &number);
    const std::string& target = words[0];
    if (target == "value") {
        compare.target = CompareTarget::kValue;
        compare.value = operand;
        return compare;
    }
    EXPECT_TRUE(numeric) << parent.Where() << ": " << target << " needs a number";
    if (target == "version") {
        compare.target = CompareTarget::kVersion;
        compare.version = number;
    } else if (target == "create") {
        compare.target = CompareTarget::kCreate;
        compare.create_revision = number;
    } else if (target == "mod") {
        compare.target = CompareTarget::kMod;
        compare.mod_revision = number;
    } else {
        compare.target = CompareTarget::kLease;
        compare.lease = number;
    }
    return compare;
}

std::string Scenario::RunTxn(const TestCase& t) {
    TxnRequest request;
    for (absl::string_view line : absl::StrSplit(t.input, '\n', absl::SkipEmpty())) {
        const std::pair<absl::string_view, absl::string_view> head =
            absl::StrSplit(line, absl::MaxSplits(' ', 1));
        if (head.first == "if") {
            request.compare.push_back(ParseCompare(t, head.second));
        } else if (head.first == "then") {
            request.success.push_back(ParseOp(ParseLine(t, head.second)));
        } else {
            EXPECT_EQ(head.first, "else") << t.Where() << ": txn lines start with if/then/else";
            request.failure.push_back(ParseOp(ParseLine(t, head.second)));
        }
    }
    return FormatApply(store_->ApplyTxn(Next(), request), [](const TxnResponse& r) {
        std::string out = absl::StrCat(
            r.succeeded ? "succeeded" : "failed", " rev=", r.header.revision.value(), "\n");
        for (const ResponseOp& op : r.responses) {
            absl::StrAppend(&out, FormatResponse(op));
        }
        return out;
    });
}

std::string Scenario::Run(const TestCase& t) {
    if (t.command == "put" || t.command == "del") {
        return RunWrite(t);
    }
    if (t.command == "get" || t.command == "history") {
        return RunRead(t);
    }
    if (t.command == "txn") {
        return RunTxn(t);
    }
    if (t.command == "grant" || t.command == "revoke" || t.command == "ttl"
        || t.command == "checkpoint-lease") {
        return RunLease(t);
    }
    if (t.command == "compact" || t.command == "flush" || t.command == "crash") {
        return RunMaintenance(t);
    }
    ADD_FAILURE() << t.Where() << ": unknown command " << t.command;
    return "";
}

class MvccScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(MvccScenario, Run) {
    Scenario scenario;
    keel::testutil::RunFile(GetParam(), [&](const TestCase& t) { return scenario.Run(t); });
}

INSTANTIATE_TEST_SUITE_P(Testdata,
                         MvccScenario,
                         ::testing::ValuesIn(keel::testutil::ListTestFiles("testdata")),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                             std::string name = std::filesystem::path(param.param).stem().string();
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

}  // namespace
}  // namespace keel::kv
