#include "check/history.h"

#include <absl/strings/str_cat.h>

namespace keel::check {
namespace {

std::string Show(const std::optional<std::string>& value) {
    return value ? absl::StrCat("\"", *value, "\"") : std::string("absent");
}

const char* OutcomeName(Outcome outcome) {
    switch (outcome) {
        case Outcome::kOk:
            return "ok";
        case Outcome::kFail:
            return "fail";
        case Outcome::kUnknown:
            return "unknown";
    }
    return "?";
}

}  // namespace

std::string Describe(const Operation& op) {
    std::string out = absl::StrCat("client ", op.client, " [", op.call_ns, ", ");
    absl::StrAppend(&out, op.outcome == Outcome::kUnknown ? "inf" : absl::StrCat(op.return_ns));
    absl::StrAppend(&out, "] ", OutcomeName(op.outcome), " ");
    switch (op.kind) {
        case OpKind::kGet:
            absl::StrAppend(&out, "get ", op.key);
            if (op.outcome == Outcome::kOk) {
                absl::StrAppend(&out, " -> ", Show(op.output_value));
            }
            break;
        case OpKind::kPut:
            absl::StrAppend(&out, "put ", op.key, " ", Show(op.value));
            break;
        case OpKind::kCas:
            absl::StrAppend(&out, "cas ", op.key, " ", Show(op.expected), " -> ", Show(op.value));
            if (op.outcome == Outcome::kOk) {
                absl::StrAppend(&out, op.output_swapped ? " swapped" : " not swapped");
            }
            break;
    }
    return out;
}

}  // namespace keel::check
