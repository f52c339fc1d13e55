// SessionCommand: the log entry of a simulated client session (issue #5, docs/sessions.md),
// what keel.v1.Command carries for a sessioned request in keeld.
//
// A registration's entry index is the new session's id. A request names its session, its
// sequence number, the client's acknowledgement (the lowest seq it has not seen answered) and
// the key it appends to. The node that accepted the proposal stamps its own clock
// (leader_time_ms: the only time apply ever reads), itself and its incarnation as the origin
// (so that it, and only it, answers the client when it applies the entry, unless it crashed
// since), and a proposal number unique in the run (so that two proposals of one request are
// two distinct payloads for the durability checker, as two gRPC calls would be).
//
// Encoded as one line of text ("S|..."), readable in traces. A value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "raft/types.h"

namespace keel::sim {

struct SessionCommand {
    enum class Kind : uint8_t {
        kRegister = 0,
        kRequest = 1,
    };

    Kind kind = Kind::kRequest;
    uint64_t client = 0;
    // kRegister: which registration attempt of the client (a lost reply makes it register
    // again; each attempt opens its own session).
    uint64_t attempt = 0;
    int64_t ttl_ms = 0;
    // kRequest.
    uint64_t session = 0;
    uint64_t seq = 0;
    uint64_t ack = 0;
    std::string key;
    // Stamped by the accepting node (Cluster::ProposeSessioned).
    int64_t leader_time_ms = 0;
    NodeId origin;
    uint64_t origin_incarnation = 0;
    uint64_t proposal = 0;

    std::string Encode() const;
    // nullopt when `data` is not a session entry (a plain payload).
    static std::optional<SessionCommand> Decode(std::string_view data);

    bool operator==(const SessionCommand&) const = default;
};

}  // namespace keel::sim
