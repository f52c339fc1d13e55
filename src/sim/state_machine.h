// StateMachine: the replicated application of a simulated node. It applies committed entries
// in index order into a hash chain over every entry (so two nodes with equal chains applied
// equal logs) and keeps the client payloads it applied, with their indexes (so the durability
// checker can find every acknowledged proposal in the final state). Session entries
// (SessionCommand) also go to its SessionState: client sessions and their execution logs.
//
// A snapshot image is Encode()'s bytes; Decode() verifies their checksum. The state is
// volatile: after a crash the node rebuilds it from its snapshot and the committed log.
//
// Owned by one simulated node; single-threaded.
//
// Invariant: applied_index() grows by exactly one per Apply().
// Invariant: payloads() is ordered by strictly increasing index, all <= applied_index().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/status/statusor.h>

#include "raft/types.h"
#include "sim/session_state.h"

namespace keel::sim {

// The chain value of an empty state machine.
inline constexpr uint64_t kChainSeed = 0xcbf29ce484222325ULL;

// The next link of the hash chain: a deterministic 64-bit FNV-1a over `chain` and the entry's
// index, term, type and data. Platform-independent by construction.
uint64_t ChainHash(uint64_t chain, const raft::Entry& entry);

struct AppliedPayload {
    Index index;
    std::string data;

    bool operator==(const AppliedPayload&) const = default;
};

class StateMachine {
public:
    StateMachine() = default;

    // Applies one committed entry; for a session entry, returns what it did (the answer its
    // origin node gives the client). `deduplicate` false is the teeth tests' deliberate bug
    // (SessionState::Apply). Precondition: entry.index == applied_index().Next().
    std::optional<SessionOutcome> Apply(const raft::Entry& entry, bool deduplicate = true);

    Index applied_index() const { return applied_index_; }

    Term applied_term() const { return applied_term_; }

    uint64_t chain() const { return chain_; }

    const std::vector<AppliedPayload>& payloads() const { return payloads_; }

    const SessionState& sessions() const { return sessions_; }

    // The snapshot image: a versioned, checksummed encoding of the whole state.
    std::string Encode() const;
    // Returns DataLoss for an image with a bad checksum, version or length.
    static absl::StatusOr<StateMachine> Decode(std::string_view image);

private:
    Index applied_index_;
    Term applied_term_;
    uint64_t chain_ = kChainSeed;
    std::vector<AppliedPayload> payloads_;
    SessionState sessions_;
};

}  // namespace keel::sim
