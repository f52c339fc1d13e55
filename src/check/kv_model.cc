#include "check/kv_model.h"

#include "base/assert.h"

namespace keel::check {

std::optional<RegisterState> StepRegister(const RegisterState& state, const Operation& op) {
    KEEL_ASSERT(op.outcome != Outcome::kFail);
    const bool known = op.outcome == Outcome::kOk;
    switch (op.kind) {
        case OpKind::kGet:
            if (known && op.output_value != state) {
                return std::nullopt;
            }
            return state;
        case OpKind::kPut:
            return RegisterState(op.value);
        case OpKind::kCas: {
            const bool matches = state == op.expected;
            if (known && op.output_swapped != matches) {
                return std::nullopt;
            }
            return matches ? RegisterState(op.value) : state;
        }
    }
    KEEL_ASSERT_MSG(false, "unknown op kind %d", static_cast<int>(op.kind));
    return std::nullopt;
}

}  // namespace keel::check
