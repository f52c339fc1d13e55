#include "keelctl/txn_parser.h"

#include <sstream>
#include <vector>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

namespace keel::ctl {
namespace {

using client::Compare;
using client::CompareOp;

absl::Status LineError(const std::string& line, const char* what) {
    return absl::InvalidArgumentError(absl::StrCat("txn: ", what, ": \"", line, "\""));
}

// Splits on spaces, honouring "double quotes".
std::vector<std::string> Words(const std::string& line) {
    std::vector<std::string> words;
    std::string word;
    bool quoted = false;
    bool any = false;
    for (const char ch : line) {
        if (ch == '"') {
            quoted = !quoted;
            any = true;
        } else if (ch == ' ' && !quoted) {
            if (any) {
                words.push_back(word);
            }
            word.clear();
            any = false;
        } else {
            word += ch;
            any = true;
        }
    }
    if (any) {
        words.push_back(word);
    }
    return words;
}

absl::StatusOr<Compare> ParseCompare(const std::string& line) {
    // target("key") op "value"
    const size_t open = line.find("(\"");
    const size_t close = line.find("\")", open == std::string::npos ? 0 : open);
    if (open == std::string::npos || close == std::string::npos) {
        return LineError(line, "want target(\"key\") op \"value\"");
    }
    const std::string target(absl::StripAsciiWhitespace(line.substr(0, open)));
    const std::string key = line.substr(open + 2, close - open - 2);
    const std::vector<std::string> rest = Words(line.substr(close + 2));
    if (rest.size() != 2) {
        return LineError(line, "want an operator and one value");
    }
    CompareOp op;
    if (rest[0] == "=" || rest[0] == "==") {
        op = CompareOp::kEqual;
    } else if (rest[0] == "!=") {
        op = CompareOp::kNotEqual;
    } else if (rest[0] == "<") {
        op = CompareOp::kLess;
    } else if (rest[0] == ">") {
        op = CompareOp::kGreater;
    } else {
        return LineError(line, "unknown operator");
    }
    if (target == "value" || target == "val") {
        return Compare::Value(key, op, rest[1]);
    }
    int64_t number = 0;
    if (target == "lease") {
        try {
            number = static_cast<int64_t>(std::stoull(rest[1], nullptr, 16));
        } catch (const std::exception&) {
            return LineError(line, "bad lease ID");
        }
        return Compare::Lease(key, op, number);
    }
    if (!absl::SimpleAtoi(rest[1], &number)) {
        return LineError(line, "want a number");
    }
    if (target == "version" || target == "ver") {
        return Compare::Version(key, op, number);
    }
    if (target == "create" || target == "c") {
        return Compare::CreateRevision(key, op, number);
    }
    if (target == "mod" || target == "m") {
        return Compare::ModRevision(key, op, number);
    }
    return LineError(line, "unknown compare target (value, version, create, mod, lease)");
}

enum class Branch {
    kThen,
    kElse
};

absl::Status AddOp(client::Txn& txn, Branch branch, const std::string& line) {
    const std::vector<std::string> words = Words(line);
    const bool then = branch == Branch::kThen;
    if (words.size() == 3 && words[0] == "put") {
        then ? txn.ThenPut(words[1], words[2]) : txn.ElsePut(words[1], words[2]);
        return absl::OkStatus();
    }
    if ((words.size() == 2 || words.size() == 3) && words[0] == "get") {
        const client::GetOptions options{.range_end = words.size() == 3 ? words[2] : ""};
        then ? txn.ThenGet(words[1], options) : txn.ElseGet(words[1], options);
        return absl::OkStatus();
    }
    if ((words.size() == 2 || words.size() == 3) && words[0] == "del") {
        const client::DeleteOptions options{.range_end = words.size() == 3 ? words[2] : ""};
        then ? txn.ThenDelete(words[1], options) : txn.ElseDelete(words[1], options);
        return absl::OkStatus();
    }
    return LineError(line, "want put KEY VALUE, get KEY [END] or del KEY [END]");
}

}  // namespace

absl::StatusOr<client::Txn> ParseTxn(const std::string& text) {
    client::Txn txn;
    int section = 0;  // 0: compares, 1: success ops, 2: failure ops
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        line = std::string(absl::StripAsciiWhitespace(line));
        if (line.empty()) {
            ++section;
            continue;
        }
        if (section == 0) {
            absl::StatusOr<Compare> compare = ParseCompare(line);
            if (!compare.ok()) {
                return compare.status();
            }
            txn.If(*compare);
        } else if (section <= 2) {
            const absl::Status added =
                AddOp(txn, section == 1 ? Branch::kThen : Branch::kElse, line);
            if (!added.ok()) {
                return added;
            }
        } else {
            return LineError(line, "more than three sections");
        }
    }
    return txn;
}

}  // namespace keel::ctl
