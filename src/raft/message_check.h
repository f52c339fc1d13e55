// Validation of peer input. Every message passes ValidateMessage() before the core looks at
// it, so a malformed message from a buggy or hostile peer is an InvalidArgument, never an
// assertion failure inside the protocol.
#pragma once

#include <absl/status/status.h>

#include "raft/types.h"

namespace keel::raft {

// Checks the structural rules of `m` as received by node `self`:
//   - a known message type, a sender other than `self` and not 0, addressed to `self`;
//   - a term of 0 only on kReadIndex and kTransferLeader (requests that are not tied to a
//     term);
//   - entries only on kAppend, at most kAppendEntriesMax of them, with contiguous indexes
//     starting at m.index + 1, known types, non-zero terms that do not decrease, lie in
//     [m.log_term, m.term] and data of at most kEntryBytesMax;
//   - kSnapshot carries a snapshot with a non-zero index and term no greater than m.term
//     and a valid configuration;
//   - kTransferLeader names a transferee.
absl::Status ValidateMessage(const Message& m, NodeId self);

const char* MessageTypeName(MessageType type);

}  // namespace keel::raft
