// The client-session table of the replicated state machine (issue #5, docs/sessions.md):
// per session, the answers of requests the client has not yet acknowledged, so that a
// retransmitted request is answered from here instead of executing twice (Raft
// dissertation, §6.3).
//
// The table is a set of SessionRecords in the store's server keyspace (MvccStore::ReadAux),
// committed in the same RocksDB batch as the entry that changed them, so restarts and
// snapshots carry it. Time is the leader stamp in each entry (Command.leader_time_ms), never
// a replica's clock: every replica expires the same sessions at the same entry. A session
// expires lazily, when an entry touches it after its TTL, and in a sweep at each
// registration.
//
// These functions are pure over a record; the caller does the store I/O (the server's
// command_applier.cc; the simulator's state machine keeps the records in its image).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <absl/status/status.h>

#include "keel/v1/session.pb.h"

namespace keel::kv {

inline constexpr int64_t kSessionTtlDefaultMs = 60'000;
inline constexpr int64_t kSessionTtlMinMs = 1'000;
inline constexpr int64_t kSessionTtlMaxMs = 3'600'000;
// Answers a session may hold before the client acknowledges some (keel-ack).
inline constexpr size_t kSessionResponsesMax = 1024;

// The gRPC metadata keys of a sessioned request.
inline constexpr char kSessionIdHeader[] = "keel-session-id";
inline constexpr char kSessionSeqHeader[] = "keel-seq";
inline constexpr char kSessionAckHeader[] = "keel-ack";
// Set (any value) by the v3lock service on the txn that takes a lock in a session: the keys
// it creates are held by the session (server/session_locks.h).
inline constexpr char kSessionLockHeader[] = "keel-session-lock";

// FAILED_PRECONDITION "keel: session expired or unknown".
absl::Status SessionExpiredError();
// OUT_OF_RANGE: the client acknowledged `seq` already, so its answer is gone.
absl::Status SessionRequestAcknowledgedError();
// RESOURCE_EXHAUSTED: kSessionResponsesMax answers are unacknowledged.
absl::Status SessionTooManyResponsesError();

// The record's key in the store's server keyspace (ordered by id).
std::string SessionKey(uint64_t id);

// The TTL a registration asks for, defaulted and clamped.
int64_t SessionTtl(int64_t requested_ms);

// A new session registered at log index `id` at leader time `now_ms`.
keel::v1::SessionRecord NewSession(uint64_t id, int64_t ttl_ms, int64_t now_ms);

// True if the session saw no activity for longer than its TTL by `now_ms`. A stamp of 0 (an
// entry without one) never expires anything.
bool SessionExpired(const keel::v1::SessionRecord& record, int64_t now_ms);

// True if the session expired by `now_ms` and holds locks: the leader then proposes a sweep so
// that waiters get the locks promptly (other expired sessions are deleted lazily).
bool SessionNeedsSweep(const keel::v1::SessionRecord& record, int64_t now_ms);

// Records activity at `now_ms` and the client's acknowledgement `ack`: drops every answer
// below it. Neither time nor ack ever goes back.
void TouchSession(keel::v1::SessionRecord& record, int64_t now_ms, uint64_t ack);

// What to do with request `seq` of a live, touched session.
enum class SessionAdmission {
    kExecute,       // new: execute it and Remember the answer
    kReplay,        // answered before: FindAnswer has it
    kAcknowledged,  // below ack: its answer was dropped (SessionRequestAcknowledgedError)
    kFull,          // kSessionResponsesMax answers held (SessionTooManyResponsesError)
};
SessionAdmission AdmitRequest(const keel::v1::SessionRecord& record, uint64_t seq);

// The cached answer of `seq`, if the record holds it.
std::optional<keel::v1::CachedResponse> FindAnswer(const keel::v1::SessionRecord& record,
                                                   uint64_t seq);

// Caches the answer of `seq`. Precondition: AdmitRequest(record, seq) == kExecute.
void RememberAnswer(keel::v1::SessionRecord& record, keel::v1::CachedResponse answer);

// The status a cached answer stands for (OK when it carries a response).
absl::Status AnswerStatus(const keel::v1::CachedResponse& answer);

}  // namespace keel::kv
