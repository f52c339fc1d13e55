#include "server/command_applier.h"

#include "base/assert.h"
#include "base/status.h"
#include "server/kv_translation.h"
#include "server/lease_translation.h"

namespace keel::server {
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
        store.ApplyNoop(ctx);
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

}  // namespace

absl::StatusOr<CommandResponse> ApplyCommand(kv::MvccStore& store,
                                             Index index,
                                             const keel::v1::Command& command,
                                             kv::Events* events) {
    const kv::ApplyContext ctx{.index = index};
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
        case C::kLeaseCheckpoint:
            return ConvertAndApply(
                store, ctx, events, command.lease_checkpoint(), [&](auto c, const auto& r) {
                    return store.ApplyLeaseCheckpoint(c, r);
                });
        case C::kAlarm:
            store.ApplyNoop(ctx);
            return CommandResponse(AlarmApplied{});
        case C::OP_NOT_SET:
            break;
    }
    store.ApplyNoop(ctx);
    return absl::InvalidArgumentError("etcdserver: command has no operation");
}

AppliedCommand ApplyEntry(kv::MvccStore& store,
                          const raft::Entry& entry,
                          const CommandObserver& observer) {
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
