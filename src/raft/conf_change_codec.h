// ConfChange <-> bytes, for the payload of a kConfChange log entry.
//
// Grammar (all integers little-endian, fixed width):
//   conf_change := version:u8 transition:u8 count:u32 change{count} context_len:u32 context
//   change      := type:u8 node:u64
// version is kConfChangeCodecVersion. Decoding rejects an unknown version, an out-of-range
// enum, a count above kConfChangesMax, a context above kConfChangeContextBytesMax, a short
// buffer and trailing bytes. Encoding is canonical: Decode(Encode(c)) == c and
// Encode(Decode(b)) == b for every accepted b.
#pragma once

#include <string>
#include <string_view>

#include <absl/status/statusor.h>

#include "raft/types.h"

namespace keel::raft {

inline constexpr uint8_t kConfChangeCodecVersion = 1;

// Precondition: `change` has at most kConfChangesMax changes and a context of at most
// kConfChangeContextBytesMax bytes (asserted).
std::string EncodeConfChange(const ConfChange& change);

// Returns InvalidArgument (naming the defect) for bytes that EncodeConfChange cannot produce.
absl::StatusOr<ConfChange> DecodeConfChange(std::string_view bytes);

}  // namespace keel::raft
