// Always-on assertions.
//
// Two channels for failure in keel: bugs crash, expected failures are values (absl::Status).
// KEEL_ASSERT guards the first channel. It is on in every build, release included: a
// replicated store that keeps running after breaking an invariant can corrupt every replica.
// KEEL_DASSERT is for O(n) checks; it is on in debug, sanitizer and simulation builds
// (KEEL_ENABLE_DASSERT) and compiles to nothing otherwise.
#pragma once

#include <absl/strings/str_format.h>

#include <string>

namespace keel::base {

// Prints "file:line: assertion failed: expr: message" to stderr and aborts. Never returns.
[[noreturn]] void AssertFail(const char* file, int line, const char* expr, const std::string& msg);

}  // namespace keel::base

#define KEEL_ASSERT(cond)                                                \
    do {                                                                 \
        if (!(cond)) [[unlikely]] {                                      \
            ::keel::base::AssertFail(__FILE__, __LINE__, #cond, "");     \
        }                                                                \
    } while (0)

// KEEL_ASSERT_MSG(cond, "format %d", args...): absl::StrFormat syntax, checked at compile time.
#define KEEL_ASSERT_MSG(cond, ...)                                                           \
    do {                                                                                     \
        if (!(cond)) [[unlikely]] {                                                          \
            ::keel::base::AssertFail(__FILE__, __LINE__, #cond, absl::StrFormat(__VA_ARGS__)); \
        }                                                                                    \
    } while (0)

#define KEEL_UNREACHABLE() ::keel::base::AssertFail(__FILE__, __LINE__, "unreachable", "")

#if defined(KEEL_ENABLE_DASSERT)
#define KEEL_DASSERT(cond) KEEL_ASSERT(cond)
#define KEEL_DASSERT_MSG(cond, ...) KEEL_ASSERT_MSG(cond, __VA_ARGS__)
inline constexpr bool kKeelDassertEnabled = true;
#else
#define KEEL_DASSERT(cond) \
    do {                   \
    } while (0)
#define KEEL_DASSERT_MSG(cond, ...) \
    do {                            \
    } while (0)
inline constexpr bool kKeelDassertEnabled = false;
#endif
