#include "server/command_applier.h"

#include "base/assert.h"
#include "base/status.h"
#include "kv/session_table.h"
#include "server/alarm_set.h"
#include "server/kv_translation.h"
#include "server/lease_translation.h"
#include "server/session_locks.h"

namespace keel::server {

// The session table lives in kv (kv/session_table.h).
using kv::AdmitRequest;
using kv::AnswerStatus;
using kv::FindAnswer;
using kv::NewSession;
using kv::RememberAnswer;
using kv::SessionAdmission;
using kv::SessionExpired;
using kv::SessionExpiredError;
using kv::SessionKey;
using kv::SessionRequestAcknowledgedError;
using kv::SessionTooManyResponsesError;
using kv::SessionTtl;
using kv::TouchSession;

namespace {

// Converts the wire request and applies it; a request that does not convert is applied as a
// no-op, so that the applied index still advances on every member alike.
template <typename Proto, typename ApplyFn>
absl::StatusOr<CommandResponse> ConvertAndApply(kv::MvccStore& store,
                                                kv::ApplyContext ctx,
                                                kv::Events* events,
                                                const Proto& proto,
                                                ApplyFn apply) {
    auto request = FromProto(proto);
    if (!request.ok()) {
        kv::ApplyContext noop{.index = ctx.index};
        if (ctx.aux) {
            noop.aux = [&](const absl::Status&, const kv::WriteResponse*) {
                return ctx.aux(request.status(), nullptr);
            };
        }
        store.ApplyNoop(noop);
        return request.status();
    }
    auto result = apply(ctx, *request);
    if (events != nullptr) {
        *events = std::move(result.events);
    }
    if (!result.response.ok()) {
        return result.response.status();
    }
    return CommandResponse(*std::move(result.response));
}

// Applies the command's operation, with `ctx.aux` committed in the same batch.
absl::StatusOr<CommandResponse> ApplyOp(kv::MvccStore& store,
                                        const kv::ApplyContext& ctx,
                                        const keel::v1::Command& command,
                                        kv::Events* events) {
    using C = keel::v1::Command;
    switch (command.op_case()) {
        case C::kPut:
            return ConvertAndApply(store, ctx, events, command.put(), [&](auto c, const auto& r) {
                return store.ApplyPut(c, r);
            });
        case C::kDeleteRange:
            return ConvertAndApply(
                store, ctx, events, command.delete_range(), [&](auto c, const auto& r) {
                    return store.ApplyDeleteRange(c, r);
                });
        case C::kTxn:
            return ConvertAndApply(store, ctx, events, command.txn(), [&](auto c, const auto& r) {
                return store.ApplyTxn(c, r);
            });
        case C::kCompaction:
            return ConvertAndApply(
                store, ctx, events, command.compaction(), [&](auto c, const auto& r) {
                    return store.ApplyCompaction(c, r);
                });
        case C::kLeaseGrant:
            return ConvertAndApply(
                store, ctx, events, command.lease_grant(), [&](auto c, const auto& r) {
                    return store.ApplyLeaseGrant(c, r);
                });
        case C::kLeaseRevoke:
            return ConvertAndApply(
                store, ctx, events, command.lease_revoke(), [&](auto c, const auto& r) {
                    return store.ApplyLeaseRevoke(c, r);
                });
        case C::kMembership:
            store.ApplyNoop(ctx);
            return absl::InternalError("etcdserver: membership change without a membership");
        case C::kLeaseCheckpoint:
            return ConvertAndApply(
                store, ctx, events, command.lease_checkpoint(), [&](auto c, const auto& r) {
                    return store.ApplyLeaseCheckpoint(c, r);
                });
        case C::kAlarm: {
            // The whole alarm set after this entry is recorded with it (alarm_set.h).
            const Alarms after = ApplyAlarmRequest(LoadAlarms(store), command.alarm());
            kv::ApplyContext with_record{.index = ctx.index};
            with_record.aux = [&](const absl::Status& status, const kv::WriteResponse* response) {
                std::vector<kv::AuxWrite> writes;
                if (ctx.aux) {
                    writes = ctx.aux(status, response);
                }
                writes.push_back(AlarmRecordWrite(after));
                return writes;
            };
            store.ApplyNoop(with_record);
            return CommandResponse(AlarmApplied{});
        }
        case C::kRegisterClient:
        case C::kSessionKeepAlive:
        case C::kSessionClose:
        case C::kSessionSweep:
        case C::OP_NOT_SET:
            break;
    }
    store.ApplyNoop(ctx);
    return absl::InvalidArgumentError("etcdserver: command has no operation");
}

std::optional<keel::v1::SessionRecord> ReadSession(const kv::MvccStore& store, uint64_t id) {
    std::optional<std::string> bytes = store.ReadAux(SessionKey(id));
    if (!bytes.has_value()) {
        return std::nullopt;
    }
    keel::v1::SessionRecord record;
    KEEL_ASSERT_MSG(record.ParseFromString(*bytes), "session %d: corrupt record", id);
    return record;
}

kv::AuxWrite StoreSession(const keel::v1::SessionRecord& record) {
    return kv::AuxWrite{.key = SessionKey(record.id()), .value = record.SerializeAsString()};
}

kv::AuxWrite DeleteSession(uint64_t id) {
    return kv::AuxWrite{.key = SessionKey(id), .value = std::nullopt};
}

// Applies a no-op entry that commits `writes`; answers `answer`.
template <typename Answer>
Answer NoopWith(kv::MvccStore& store,
                Index index,
                std::vector<kv::AuxWrite> writes,
                Answer answer) {
    store.ApplyNoop(
        kv::ApplyContext{.index = index, .aux = [&](const absl::Status&, const kv::WriteResponse*) {
                             return std::move(writes);
                         }});
    return answer;
}

// The etcd wire form of an executed session request's answer, for the session table.
keel::v1::CachedResponse ToCachedAnswer(uint64_t seq,
                                        const absl::Status& status,
                                        const kv::WriteResponse* response) {
    keel::v1::CachedResponse answer;
    answer.set_seq(seq);
    answer.set_code(static_cast<int32_t>(status.code()));
    answer.set_message(std::string(status.message()));
    if (status.ok() && response != nullptr) {
        std::visit(
            [&](const auto& typed) {
                using T = std::decay_t<decltype(typed)>;
                if constexpr (std::is_same_v<T, kv::PutResponse>) {
                    etcdserverpb::PutResponse out;
                    ToProto(typed, &out);
                    answer.set_response(out.SerializeAsString());
                } else if constexpr (std::is_same_v<T, kv::DeleteRangeResponse>) {
                    etcdserverpb::DeleteRangeResponse out;
                    ToProto(typed, &out);
                    answer.set_response(out.SerializeAsString());
                } else if constexpr (std::is_same_v<T, kv::TxnResponse>) {
                    etcdserverpb::TxnResponse out;
                    ToProto(typed, &out);
                    answer.set_response(out.SerializeAsString());
                } else if constexpr (std::is_same_v<T, kv::LeaseGrantResponse>) {
                    etcdserverpb::LeaseGrantResponse out;
                    ToProto(typed, &out);
                    answer.set_response(out.SerializeAsString());
                } else if constexpr (std::is_same_v<T, kv::LeaseRevokeResponse>) {
                    etcdserverpb::LeaseRevokeResponse out;
                    ToProto(typed, &out);
                    answer.set_response(out.SerializeAsString());
                }
            },
            *response);
    }
    return answer;
}

// Applies an entry that ends the sessions `ended` (Close, expiry): deletes their records and
// the locks they still hold (session_locks.h), with `writes`, in one batch; the deletes are
// events for the watch hub, so lock waiters wake.
void EndSessions(kv::MvccStore& store,
                 Index index,
                 const std::vector<keel::v1::SessionRecord>& ended,
                 std::vector<kv::AuxWrite> writes,
                 kv::Events* events) {
    for (const keel::v1::SessionRecord& record : ended) {
        writes.push_back(DeleteSession(record.id()));
    }
    const kv::TxnRequest release = ReleaseLocksTxn(store, ended);
    if (release.success.empty()) {
        NoopWith(store, index, std::move(writes), 0);
        return;
    }
    auto result =
        store.ApplyTxn(kv::ApplyContext{.index = index,
                                        .aux =
                                            [&](const absl::Status&, const kv::WriteResponse*) {
                                                return std::move(writes);
                                            }},
                       release);
    // Apply checks no operation limit (--max-txn-ops is an admission check: mvcc_store.h), so
    // the release cannot fail for being large; kSessionReleaseOpsMax keeps the entry small.
    if (events != nullptr) {
        *events = std::move(result.events);
    }
}

// The cached answer of an executed session request, and the locks it took (Lock in a
// session: session_locks.h).
void RecordExecution(keel::v1::SessionRecord& record,
                     const keel::v1::Command& command,
                     const absl::Status& status,
                     const kv::WriteResponse* response) {
    RememberAnswer(record, ToCachedAnswer(command.session_seq(), status, response));
    if (!command.session_lock() || !status.ok() || response == nullptr) {
        return;
    }
    const auto* txn = std::get_if<kv::TxnResponse>(response);
    if (txn == nullptr || !txn->succeeded) {
        return;
    }
    for (keel::v1::HeldLock& lock :
         CreatedLocks(command.txn(), static_cast<int64_t>(txn->header.revision.value()))) {
        *record.add_locks() = std::move(lock);
    }
}

// A Put, DeleteRange, Txn, LeaseGrant or LeaseRevoke of a session: executes it at most once
// (session_table.h).
absl::StatusOr<CommandResponse> ApplyInSession(kv::MvccStore& store,
                                               Index index,
                                               const keel::v1::Command& command,
                                               kv::Events* events) {
    const int64_t now = command.leader_time_ms();
    std::optional<keel::v1::SessionRecord> record = ReadSession(store, command.session_id());
    if (!record.has_value()) {
        return NoopWith<absl::StatusOr<CommandResponse>>(store, index, {}, SessionExpiredError());
    }
    if (SessionExpired(*record, now)) {
        EndSessions(store, index, {*record}, {}, events);
        return SessionExpiredError();
    }
    TouchSession(*record, now, command.session_ack());
    const uint64_t seq = command.session_seq();
    switch (AdmitRequest(*record, seq)) {
        case SessionAdmission::kReplay: {
            const keel::v1::CachedResponse answer = *FindAnswer(*record, seq);
            absl::StatusOr<CommandResponse> replay =
                answer.code() == 0 ? absl::StatusOr<CommandResponse>(
                    ReplayedResponse{.serialized = answer.response()})
                                   : absl::StatusOr<CommandResponse>(AnswerStatus(answer));
            return NoopWith(store, index, {StoreSession(*record)}, std::move(replay));
        }
        case SessionAdmission::kAcknowledged:
            return NoopWith<absl::StatusOr<CommandResponse>>(
                store, index, {StoreSession(*record)}, SessionRequestAcknowledgedError());
        case SessionAdmission::kFull:
            return NoopWith<absl::StatusOr<CommandResponse>>(
                store, index, {StoreSession(*record)}, SessionTooManyResponsesError());
        case SessionAdmission::kExecute:
            break;
    }
    if (command.session_lock()) {
        PruneReleasedLocks(store, *record);
        if (static_cast<size_t>(record->locks_size()) >= kSessionLocksMax) {
            return NoopWith<absl::StatusOr<CommandResponse>>(
                store, index, {StoreSession(*record)}, SessionTooManyLocksError());
        }
    }
    const kv::ApplyContext ctx{
        .index = index, .aux = [&](const absl::Status& status, const kv::WriteResponse* response) {
            RecordExecution(*record, command, status, response);
            return std::vector<kv::AuxWrite>{StoreSession(*record)};
        }};
    return ApplyOp(store, ctx, command, events);
}

// The sessions expired by `now_ms` (a sweep at registration or by the leader's proposal), in
// id order, as many as one release txn can take (session_locks.h): the next sweep ends the
// rest.
std::vector<keel::v1::SessionRecord> ExpiredSessions(const kv::MvccStore& store, int64_t now_ms) {
    std::vector<keel::v1::SessionRecord> expired;
    size_t locks = 0;
    for (const kv::AuxWrite& existing : store.ListAux()) {
        keel::v1::SessionRecord old;
        if (!existing.key.starts_with("session/") || !existing.value.has_value()
            || !old.ParseFromString(*existing.value) || !SessionExpired(old, now_ms)) {
            continue;
        }
        locks += static_cast<size_t>(old.locks_size());
        if (locks > kSessionReleaseOpsMax) {
            break;
        }
        expired.push_back(std::move(old));
    }
    return expired;
}

// RegisterClient, KeepAlive, Close and the leader's sweep.
absl::StatusOr<CommandResponse> ApplySessionOp(kv::MvccStore& store,
                                               Index index,
                                               const keel::v1::Command& command,
                                               kv::Events* events) {
    const int64_t now = command.leader_time_ms();
    using C = keel::v1::Command;
    if (command.op_case() == C::kRegisterClient || command.op_case() == C::kSessionSweep) {
        // Registrations are rare, and sweeping there bounds what expired sessions leave behind;
        // the leader proposes a sweep when an expired session holds locks.
        std::vector<kv::AuxWrite> writes;
        SessionOpResponse answer;
        if (command.op_case() == C::kRegisterClient) {
            const keel::v1::SessionRecord record =
                NewSession(index.value(), SessionTtl(command.register_client().ttl_ms()), now);
            writes.push_back(StoreSession(record));
            answer = SessionOpResponse{.session_id = record.id(), .ttl_ms = record.ttl_ms()};
        }
        EndSessions(store, index, ExpiredSessions(store, now), std::move(writes), events);
        answer.revision = store.revision();
        return CommandResponse(answer);
    }
    const uint64_t id = command.op_case() == C::kSessionKeepAlive
                            ? command.session_keep_alive().session_id()
                            : command.session_close().session_id();
    std::optional<keel::v1::SessionRecord> record = ReadSession(store, id);
    if (!record.has_value()) {
        return NoopWith<absl::StatusOr<CommandResponse>>(store, index, {}, SessionExpiredError());
    }
    if (SessionExpired(*record, now)) {
        EndSessions(store, index, {*record}, {}, events);
        return SessionExpiredError();
    }
    SessionOpResponse answer{.session_id = id, .ttl_ms = record->ttl_ms()};
    if (command.op_case() == C::kSessionKeepAlive) {
        TouchSession(*record, now, 0);
        NoopWith(store, index, {StoreSession(*record)}, 0);
    } else {
        EndSessions(store, index, {*record}, {}, events);
    }
    answer.revision = store.revision();
    return CommandResponse(answer);
}

}  // namespace

absl::StatusOr<CommandResponse> ApplyCommand(kv::MvccStore& store,
                                             Index index,
                                             const keel::v1::Command& command,
                                             kv::Events* events) {
    using C = keel::v1::Command;
    switch (command.op_case()) {
        case C::kRegisterClient:
        case C::kSessionKeepAlive:
        case C::kSessionClose:
        case C::kSessionSweep:
            return ApplySessionOp(store, index, command, events);
        case C::kPut:
        case C::kDeleteRange:
        case C::kTxn:
        case C::kLeaseGrant:
        case C::kLeaseRevoke:
            if (command.session_id() != 0) {
                return ApplyInSession(store, index, command, events);
            }
            break;
        default:
            break;
    }
    return ApplyOp(store, kv::ApplyContext{.index = index}, command, events);
}

AppliedCommand ApplyEntry(kv::MvccStore& store,
                          const raft::Entry& entry,
                          const CommandObserver& observer,
                          const MembershipApplier& apply_membership) {
    KEEL_ASSERT(entry.type == raft::EntryType::kNormal);
    KEEL_ASSERT_MSG(entry.index > store.applied_index(),
                    "entry %d is not above the applied index %d",
                    entry.index.value(),
                    store.applied_index().value());
    if (entry.data.empty()) {
        store.ApplyNoop(kv::ApplyContext{.index = entry.index});
        // A new leader's no-op (§5.4.2): no client proposed it, so no one reads the answer.
        return AppliedCommand{
            .request_id = 0,
            .response = absl::FailedPreconditionError("etcdserver: entry carries no command")};
    }
    keel::v1::Command command;
    if (!command.ParseFromString(entry.data)) {
        store.ApplyNoop(kv::ApplyContext{.index = entry.index});
        return AppliedCommand{
            .request_id = 0,
            .response = absl::InternalError("etcdserver: log entry is not a keel command")};
    }
    if (command.has_membership() && apply_membership) {
        return AppliedCommand{.request_id = command.request_id(),
                              .response = apply_membership(entry.index, command.membership())};
    }
    kv::Events events;
    absl::StatusOr<CommandResponse> response = ApplyCommand(store, entry.index, command, &events);
    if (observer) {
        observer(command, response);
    }
    return AppliedCommand{.request_id = command.request_id(),
                          .response = std::move(response),
                          .events = std::move(events)};
}

}  // namespace keel::server
