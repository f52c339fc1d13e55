// A recorded client history for the linearizability checker: one Operation per client call,
// with the monotonic times at which the client invoked it and saw its outcome.
//
// Pure data: the chaos harness fills it from real clients, the tests write it by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace keel::check {

enum class OpKind : uint8_t {
    kGet = 0,
    kPut = 1,
    kCas = 2,  // compare-and-set: a txn "value(key) == expected ? put(key, value) : nothing"
};

enum class Outcome : uint8_t {
    kOk = 0,       // the call returned a result; `output` holds it
    kFail = 1,     // the call definitely did not take effect (e.g. rejected before proposal)
    kUnknown = 2,  // timed out or the connection broke: it may or may not have taken effect
};

// One key-value operation. `value` is the value a put or CAS writes; `expected` is the value a
// CAS compares with (nullopt: the key must be absent). For a get, `output_value` is the value
// read (nullopt: absent); for a CAS, `output_swapped` says whether the compare succeeded.
struct Operation {
    int client = 0;
    OpKind kind = OpKind::kGet;
    std::string key;
    std::string value;
    std::optional<std::string> expected;
    Outcome outcome = Outcome::kOk;
    std::optional<std::string> output_value;
    bool output_swapped = false;
    int64_t call_ns = 0;    // monotonic time of the invocation
    int64_t return_ns = 0;  // monotonic time of the outcome; ignored when kUnknown
};

using History = std::vector<Operation>;

// One line per operation, for failure reports and saved histories.
std::string Describe(const Operation& op);

}  // namespace keel::check
