// The payload that marks a call's status as "outcome unknown" (keel/errors.h).
#pragma once

namespace keel::client {

inline constexpr char kOutcomeUnknownPayload[] = "keel.dev/client/outcome-unknown";

}  // namespace keel::client
