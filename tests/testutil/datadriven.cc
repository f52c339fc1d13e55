#include "testutil/datadriven.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <gtest/gtest.h>

namespace keel::testutil {
namespace {

const char* const kSeparator = "----";
// A scenario file longer than this is a mistake, not a test.
constexpr size_t kFileLinesMax = 100000;

struct ParsedCase {
    std::string leading;  // comments and blank lines before the command, verbatim
    TestCase test;
    std::string expected;
};

std::vector<CmdArg> ParseArgs(absl::string_view text) {
    std::vector<CmdArg> args;
    for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipWhitespace())) {
        CmdArg arg;
        const size_t eq = word.find('=');
        if (eq == absl::string_view::npos) {
            arg.key = std::string(word);
            args.push_back(std::move(arg));
            continue;
        }
        arg.key = std::string(word.substr(0, eq));
        absl::string_view value = word.substr(eq + 1);
        if (value.size() >= 2 && value.front() == '(' && value.back() == ')') {
            value = value.substr(1, value.size() - 2);
            for (absl::string_view v : absl::StrSplit(value, ',', absl::SkipEmpty())) {
                arg.values.emplace_back(v);
            }
        } else {
            arg.values.emplace_back(value);
        }
        args.push_back(std::move(arg));
    }
    return args;
}

bool ReadLines(const std::string& path, std::vector<std::string>& lines) {
    std::ifstream in(path);
    if (!in) {
        return false;
    }
    std::string line;
    while (std::getline(in, line) && lines.size() < kFileLinesMax) {
        lines.push_back(line);
    }
    return true;
}

// Reads the expected block starting at lines[i] (just after the separator); advances i.
std::string ReadExpected(const std::vector<std::string>& lines, size_t& i) {
    std::string expected;
    if (i < lines.size() && lines[i] == std::string(kSeparator)) {
        ++i;  // double separator: read until `----` `----`
        while (i < lines.size()) {
            if (lines[i] == std::string(kSeparator) && i + 1 < lines.size()
                && lines[i + 1] == std::string(kSeparator)) {
                i += 2;
                break;
            }
            absl::StrAppend(&expected, lines[i], "\n");
            ++i;
        }
        return expected;
    }
    while (i < lines.size() && !lines[i].empty()) {
        absl::StrAppend(&expected, lines[i], "\n");
        ++i;
    }
    return expected;
}

bool Parse(const std::string& path,
           const std::vector<std::string>& lines,
           std::vector<ParsedCase>& cases,
           std::string& trailing) {
    size_t i = 0;
    std::string leading;
    while (i < lines.size()) {
        const absl::string_view line = absl::StripAsciiWhitespace(lines[i]);
        if (line.empty() || line.front() == '#') {
            absl::StrAppend(&leading, lines[i], "\n");
            ++i;
            continue;
        }
        ParsedCase parsed;
        parsed.leading = std::exchange(leading, {});
        parsed.test.file = path;
        parsed.test.line = static_cast<int>(i) + 1;
        const size_t space = line.find(' ');
        parsed.test.command = std::string(line.substr(0, space));
        if (space != absl::string_view::npos) {
            parsed.test.args = ParseArgs(line.substr(space + 1));
        }
        ++i;
        while (i < lines.size() && lines[i] != std::string(kSeparator)) {
            absl::StrAppend(&parsed.test.input, lines[i], "\n");
            ++i;
        }
        if (i == lines.size()) {
            ADD_FAILURE() << parsed.test.Where() << ": command without `----`";
            return false;
        }
        ++i;
        parsed.expected = ReadExpected(lines, i);
        cases.push_back(std::move(parsed));
    }
    trailing = std::move(leading);
    return true;
}

std::string CommandLine(const TestCase& test) {
    std::string line = test.command;
    for (const CmdArg& arg : test.args) {
        absl::StrAppend(&line, " ", arg.key);
        if (arg.values.size() == 1) {
            absl::StrAppend(&line, "=", arg.values[0]);
        } else if (!arg.values.empty()) {
            absl::StrAppend(&line, "=(", absl::StrJoin(arg.values, ","), ")");
        }
    }
    return line;
}

// Formats one case back into the file's syntax.
std::string Render(const TestCase& test, const std::string& output) {
    std::string out = absl::StrCat(CommandLine(test), "\n", test.input, kSeparator, "\n");
    std::string body = output;
    if (!body.empty() && body.back() != '\n') {
        body.push_back('\n');
    }
    if (body.find("\n\n") != std::string::npos || body.starts_with("\n")) {
        absl::StrAppend(&out, kSeparator, "\n", body, kSeparator, "\n", kSeparator, "\n");
    } else {
        absl::StrAppend(&out, body);
    }
    return out;
}

}  // namespace

const CmdArg* TestCase::Find(std::string_view key) const {
    for (const CmdArg& arg : args) {
        if (arg.key == key) {
            return &arg;
        }
    }
    return nullptr;
}

std::string TestCase::Get(std::string_view key, std::string_view fallback) const {
    const CmdArg* arg = Find(key);
    if (arg == nullptr || arg->values.empty()) {
        return std::string(fallback);
    }
    return arg->values[0];
}

std::vector<std::string> TestCase::Positional() const {
    std::vector<std::string> words;
    for (const CmdArg& arg : args) {
        if (arg.values.empty()) {
            words.push_back(arg.key);
        }
    }
    return words;
}

std::string TestCase::Where() const {
    return absl::StrCat(file, ":", line);
}

bool RewriteMode() {
    const char* env = std::getenv("KEEL_REWRITE");
    if (env != nullptr && std::string_view(env) == "1") {
        return true;
    }
    for (const std::string& arg : ::testing::internal::GetArgvs()) {
        if (arg == "--rewrite") {
            return true;
        }
    }
    return false;
}

bool RunFile(const std::string& path, absl::FunctionRef<std::string(const TestCase&)> handler) {
    std::vector<std::string> lines;
    if (!ReadLines(path, lines)) {
        ADD_FAILURE() << "cannot read " << path;
        return false;
    }
    std::vector<ParsedCase> cases;
    std::string trailing;
    if (!Parse(path, lines, cases, trailing)) {
        return false;
    }
    const bool rewrite = RewriteMode();
    std::string rewritten;
    for (size_t c = 0; c < cases.size(); ++c) {
        const ParsedCase& parsed = cases[c];
        std::string actual = handler(parsed.test);
        if (!actual.empty() && actual.back() != '\n') {
            actual.push_back('\n');
        }
        if (rewrite) {
            absl::StrAppend(&rewritten, parsed.leading, Render(parsed.test, actual));
            continue;
        }
        EXPECT_EQ(parsed.expected, actual)
            << parsed.test.Where() << ": " << CommandLine(parsed.test);
    }
    if (rewrite) {
        std::ofstream(path, std::ios::trunc) << rewritten << trailing;
    }
    return true;
}

std::vector<std::string> ListTestFiles(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code error;  // no exceptions: an unreadable directory yields no files
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        if (entry.is_regular_file() && entry.path().extension() == ".txt") {
            files.push_back(entry.path().string());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace keel::testutil
