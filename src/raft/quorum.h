// Quorum arithmetic: the commit index and the election outcome of a majority configuration
// and of a joint configuration (dissertation §4.3: during C_old,new every decision needs a
// majority of C_old and a majority of C_new).
//
// These are pure functions over member lists; they own nothing and are thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include <absl/functional/function_ref.h>

#include "base/ids.h"

namespace keel::raft {

enum class VoteResult : uint8_t {
    kPending = 0,  // neither a majority of grants nor of rejections yet
    kLost = 1,     // a majority rejected: the election cannot be won
    kWon = 2,      // a majority granted
};

const char* VoteResultName(VoteResult result);

// Returns the acknowledged index of a member, or nullopt if it has acknowledged nothing.
using AckedIndexFn = absl::FunctionRef<std::optional<Index>(NodeId)>;

// The largest index acknowledged by a majority of `voters` (members with no acknowledgement
// count as index 0). An empty configuration returns the largest possible index, so that it
// never constrains a joint configuration's minimum.
Index MajorityCommittedIndex(const std::vector<NodeId>& voters, AckedIndexFn acked);

// The outcome of an election among `voters` given the votes received so far (true = granted).
// Votes from non-members are ignored. An empty configuration has won.
VoteResult MajorityVoteResult(const std::vector<NodeId>& voters,
                              const std::map<NodeId, bool>& votes);

// C_new (`incoming`) and C_old (`outgoing`, empty outside joint consensus).
struct JointVoters {
    const std::vector<NodeId>& incoming;
    const std::vector<NodeId>& outgoing;
};

// min(commit index of incoming, commit index of outgoing).
Index JointCommittedIndex(JointVoters voters, AckedIndexFn acked);

// Won when both halves won; lost when either lost; otherwise pending.
VoteResult JointVoteResult(JointVoters voters, const std::map<NodeId, bool>& votes);

}  // namespace keel::raft
