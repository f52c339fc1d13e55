#include "client/retry_policy.h"

namespace keel::client {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

// etcd's answers of a member that did not propose the request (server/errors.cc on main).
bool RefusedBeforeProposing(std::string_view message) {
    return message == "etcdserver: not leader" || message == "etcdserver: no leader"
           || message == "etcdserver: server stopped" || message == "etcdserver: too many requests";
}

}  // namespace

AttemptFailure ClassifyFailure(absl::StatusCode code, std::string_view message) {
    switch (code) {
        case absl::StatusCode::kUnavailable:
            if (RefusedBeforeProposing(message) || StartsWith(message, "failed to connect")
                || StartsWith(message, "Connection refused")) {
                return AttemptFailure::kNotExecuted;
            }
            // "leader changed", "request timed out", a broken connection: unknown.
            return AttemptFailure::kOutcomeUnknown;
        case absl::StatusCode::kResourceExhausted:
            return message == "etcdserver: too many requests" ? AttemptFailure::kNotExecuted
                                                              : AttemptFailure::kFinal;
        case absl::StatusCode::kDeadlineExceeded:
            return AttemptFailure::kOutcomeUnknown;
        case absl::StatusCode::kInternal:
            // A stream reset by the peer mid-call (HTTP/2 RST_STREAM) is a broken connection.
            return message.find("RST_STREAM") != std::string_view::npos
                       ? AttemptFailure::kOutcomeUnknown
                       : AttemptFailure::kFinal;
        default:
            return AttemptFailure::kFinal;
    }
}

bool ShouldRetry(OperationKind operation, CallSemantics semantics, AttemptFailure failure) {
    if (failure == AttemptFailure::kFinal) {
        return false;
    }
    switch (operation) {
        case OperationKind::kRead:
            return true;
        case OperationKind::kSessionWrite:
            return semantics == CallSemantics::kExactlyOnce;
        case OperationKind::kPlainWrite:
            return semantics == CallSemantics::kAtLeastOnce
                   || semantics == CallSemantics::kExactlyOnce;
    }
    return false;
}

bool ShouldFailOver(absl::StatusCode code, std::string_view message) {
    if (code == absl::StatusCode::kDeadlineExceeded) {
        return true;
    }
    if (code == absl::StatusCode::kUnavailable) {
        return true;
    }
    return ClassifyFailure(code, message) == AttemptFailure::kNotExecuted;
}

}  // namespace keel::client
