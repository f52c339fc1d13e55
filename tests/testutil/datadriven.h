// A small harness for datadriven scenario tests: a file of test cases, each a command line,
// an optional block of input lines, a `----` separator and the expected output.
//
//   # comments and blank lines between cases are ignored
//   propose 1 hello
//   ----
//   ok index=3 term=1
//
// The expected output ends at the first blank line. Output that contains blank lines is
// written between a double separator and ends with one:
//
//   status 1
//   ----
//   ----
//   first paragraph
//
//   second paragraph
//   ----
//   ----
//
// A handler runs each case and returns its output; the harness compares it with the expected
// block and reports a gtest failure naming file:line on a mismatch. With the environment
// variable KEEL_REWRITE=1, or `--rewrite` on the test binary's command line, the file is
// rewritten with the actual outputs instead (review the diff before committing it).
//
// Arguments are `key`, `key=value` or `key=(v1,v2,...)`; a bare word is a key with no values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/functional/function_ref.h>

namespace keel::testutil {

struct CmdArg {
    std::string key;
    std::vector<std::string> values;
};

struct TestCase {
    std::string file;
    int line = 0;  // 1-based line of the command
    std::string command;
    std::vector<CmdArg> args;
    std::string input;  // lines between the command and `----`, newline-terminated

    // The argument named `key`, if present.
    const CmdArg* Find(std::string_view key) const;
    // The single value of `key`, or `fallback` if absent.
    std::string Get(std::string_view key, std::string_view fallback) const;
    // Bare words (arguments without values), in order.
    std::vector<std::string> Positional() const;
    // Where the case is, for messages: "file:line".
    std::string Where() const;
};

// True if the test should rewrite expected outputs rather than compare them.
bool RewriteMode();

// Parses `path`, runs `handler` on every case in order and compares (or rewrites). Returns
// false if the file could not be read or parsed (a gtest failure is reported too).
bool RunFile(const std::string& path, absl::FunctionRef<std::string(const TestCase&)> handler);

// Every `*.txt` file in `dir`, sorted, for one test per file (none if `dir` cannot be read;
// gtest then reports the parameterized suite as uninstantiated).
std::vector<std::string> ListTestFiles(const std::string& dir);

}  // namespace keel::testutil
