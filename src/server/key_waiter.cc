#include "server/key_waiter.h"

#include <chrono>

#include "kv/key_range.h"

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;

// How often a waiter checks whether its caller has gone.
constexpr std::chrono::milliseconds kCancelPollInterval{100};
// A waiter watches one key: a small buffer suffices.
constexpr WatchOutboxOptions kWaiterOutbox{.pending_events_max = 1024,
                                           .pending_bytes_max = 4 * 1024 * 1024};

grpc::Status CallEnded() {
    return grpc::Status(grpc::StatusCode::CANCELLED, "context canceled");
}

}  // namespace

grpc::Status KeyWaiter::WaitDeletes(const grpc::ServerContext& context,
                                    const std::string& prefix,
                                    int64_t max_create_revision,
                                    pb::ResponseHeader* header) {
    for (;;) {
        pb::RangeRequest last;
        last.set_key(prefix);
        last.set_range_end(kv::PrefixEnd(prefix));
        last.set_sort_target(pb::RangeRequest::CREATE);
        last.set_sort_order(pb::RangeRequest::DESCEND);
        last.set_max_create_revision(max_create_revision);
        last.set_limit(1);
        pb::RangeResponse found;
        grpc::Status status = kv_.Range(last, &found);
        if (!status.ok()) {
            return status;
        }
        *header = found.header();
        if (found.kvs_size() == 0) {
            return grpc::Status::OK;
        }
        const WatchSpec spec{
            .key = found.kvs(0).key(),
            .start_revision = Revision(static_cast<uint64_t>(found.header().revision()) + 1),
            .filter_put = true,
        };
        kv::Events events;
        status = WaitEvents(context, spec, &events);
        if (!status.ok()) {
            return status;
        }
    }
}

grpc::Status KeyWaiter::WaitEvents(const grpc::ServerContext& context,
                                   const WatchSpec& spec,
                                   kv::Events* events) {
    WatchOutbox outbox(kWaiterOutbox);
    if (!hub_.Add(&outbox, kAutoWatchId, spec).ok()) {
        return grpc::Status(grpc::StatusCode::INTERNAL, "etcdserver: cannot watch the key");
    }
    grpc::Status status = CallEnded();
    while (!context.IsCancelled()) {
        std::optional<WatchMessage> message = outbox.Pop(kCancelPollInterval);
        if (!message.has_value()) {
            continue;
        }
        if (message->kind == WatchMessage::Kind::kEvents) {
            *events = std::move(message->events);
            status = grpc::Status::OK;
            break;
        }
        if (message->kind == WatchMessage::Kind::kCanceled) {
            // Compacted or too slow: the caller reads the state again.
            status = grpc::Status::OK;
            break;
        }
    }
    hub_.RemoveOutbox(&outbox);
    return status;
}

}  // namespace keel::server
