// Which failed attempts a client may retry (docs/client.md). Pure functions of the gRPC status
// and the call's semantics; the call loop (call_runner.h) acts on them.
#pragma once

#include <string_view>

#include <absl/status/status.h>

#include "keel/client_options.h"

namespace keel::client {

// What a failed attempt says about its request.
enum class AttemptFailure {
    // The request certainly did not execute: no connection was made, or a member refused it
    // before proposing ("not leader", "no leader", "too many requests"). Safe to re-send.
    kNotExecuted,
    // The request may or may not have executed: the connection broke after sending, the
    // attempt's deadline passed, the proposal timed out or its leader changed.
    kOutcomeUnknown,
    // An answer: retrying would get the same one (bad input, compacted revision, expired
    // session, no space, ...).
    kFinal,
};

// What kind of operation a call is.
enum class OperationKind {
    // Reads and other calls that change nothing: always safe to re-send.
    kRead,
    // A write tagged with a session (keel-session-id / keel-seq): re-sending is exactly what
    // the session makes safe.
    kSessionWrite,
    // A write without a session: a re-send may execute it twice.
    kPlainWrite,
};

AttemptFailure ClassifyFailure(absl::StatusCode code, std::string_view message);

// Whether to send the request again after `failure`. A plain write is re-sent only under
// kAtLeastOnce; under kMaybe nothing is re-sent; a session write only under kExactlyOnce.
bool ShouldRetry(OperationKind operation, CallSemantics semantics, AttemptFailure failure);

// Whether the failure means the contacted endpoint is not usable now (switch to another one and
// forget the leader we thought we knew).
bool ShouldFailOver(absl::StatusCode code, std::string_view message);

}  // namespace keel::client
