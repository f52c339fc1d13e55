// Helpers for the expected-failure channel: absl::Status and absl::StatusOr<T>.
// Codes map 1:1 to gRPC status codes (absl::StatusCode and grpc::StatusCode share values).
#pragma once

#include <absl/status/status.h>
#include <absl/status/statusor.h>

#define KEEL_STATUS_CONCAT_INNER(a, b) a##b
#define KEEL_STATUS_CONCAT(a, b) KEEL_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function if not OK.
#define KEEL_RETURN_IF_ERROR(expr)                   \
    do {                                             \
        ::absl::Status keel_status_ = (expr);        \
        if (!keel_status_.ok()) [[unlikely]] {       \
            return keel_status_;                     \
        }                                            \
    } while (0)

// KEEL_ASSIGN_OR_RETURN(auto x, Foo()): evaluates a StatusOr; returns its status on error,
// otherwise moves the value into the declaration.
#define KEEL_ASSIGN_OR_RETURN(lhs, expr) \
    KEEL_ASSIGN_OR_RETURN_IMPL(KEEL_STATUS_CONCAT(keel_statusor_, __LINE__), lhs, expr)

#define KEEL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                             \
    if (!tmp.ok()) [[unlikely]] {                  \
        return std::move(tmp).status();            \
    }                                              \
    lhs = std::move(tmp).value()
