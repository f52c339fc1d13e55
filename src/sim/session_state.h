// SessionState: the client-session part of the simulator's replicated state machine
// (issue #5). It applies SessionCommands through the same pure functions as keeld's apply
// loop (kv/session_table.h: admission, cached answers, expiry by the leader stamp in the
// entry) and executes a request by appending (session, seq) to the execution log of its key,
// so that a request executed twice is visible in the state.
//
// The whole table (every SessionRecord with its cached answers) and the execution logs are
// part of the snapshot image (Encode/Decode), so they survive crashes and snapshot installs.
//
// Owned by one StateMachine; single-threaded; deterministic (ordered maps only).
//
// Invariant: executed() equals the total length of the execution logs.
// Invariant: with deduplication on, no (session, seq) appears twice in the execution logs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keel/v1/session.pb.h"
#include "raft/types.h"
#include "sim/session_command.h"

namespace keel::sim {

struct Execution {
    uint64_t session = 0;
    uint64_t seq = 0;

    auto operator<=>(const Execution&) const = default;
};

// What applying one session entry did, and the answer its origin node sends the client.
struct SessionOutcome {
    enum class Kind : uint8_t {
        kRegistered = 0,  // a new session; its id is the entry's index
        kExecuted = 1,    // the request ran: `reply`
        kReplayed = 2,    // a retransmission answered from the table: `reply`
        kRejected = 3,    // an error answer (`code`, `message`), cached or not
    };

    Kind kind = Kind::kRejected;
    SessionCommand command;
    Index index;
    uint64_t session = 0;  // kRegistered: the new session's id
    int code = 0;          // absl::StatusCode of the answer
    std::string message;
    std::string reply;  // "key=K pos=P rev=R" of the execution (its position in the key's log)
};

class SessionState {
public:
    // Applies `command`, the entry at `index`. `deduplicate` false is a deliberate bug for the
    // teeth test: a retransmission executes again instead of replaying the cached answer.
    SessionOutcome Apply(Index index, const SessionCommand& command, bool deduplicate);

    const std::map<uint64_t, keel::v1::SessionRecord>& sessions() const { return sessions_; }

    const std::map<std::string, std::vector<Execution>>& executions() const { return executions_; }

    uint64_t executed() const { return executed_; }

    std::string Encode() const;
    // nullopt for malformed bytes.
    static std::optional<SessionState> Decode(std::string_view bytes);

private:
    std::string Execute(const SessionCommand& command);

    std::map<uint64_t, keel::v1::SessionRecord> sessions_;
    std::map<std::string, std::vector<Execution>> executions_;
    uint64_t executed_ = 0;
};

}  // namespace keel::sim
