#include "server/watch_service.h"

#include <chrono>
#include <thread>

#include "base/limits.h"
#include "server/kv_service.h"
#include "server/kv_translation.h"
#include "server/watch_batch.h"

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;

// How often the writer checks whether the call was canceled while nothing is queued.
constexpr std::chrono::milliseconds kWriterPollInterval{100};

WatchSpec SpecFromProto(const pb::WatchCreateRequest& request) {
    WatchSpec spec;
    // etcd watches "\0" for an empty key; range_end "\0" means every key from key on.
    spec.key = request.key().empty() ? std::string(1, '\0') : request.key();
    spec.range_end = request.range_end();
    spec.start_revision = Revision(
        request.start_revision() > 0 ? static_cast<uint64_t>(request.start_revision()) : 0);
    spec.prev_kv = request.prev_kv();
    spec.progress_notify = request.progress_notify();
    spec.fragment = request.fragment();
    for (int filter : request.filters()) {
        if (filter == pb::WatchCreateRequest::NOPUT) {
            spec.filter_put = true;
        } else if (filter == pb::WatchCreateRequest::NODELETE) {
            spec.filter_delete = true;
        }
    }
    return spec;
}

void EventToProto(const kv::Event& event, mvccpb::Event* out) {
    out->set_type(event.type == kv::EventType::kPut ? mvccpb::Event::PUT : mvccpb::Event::DELETE);
    ToProto(event.kv, out->mutable_kv());
    if (event.type == kv::EventType::kDelete) {
        // A delete reports the key and the delete's revision only.
        mvccpb::KeyValue* kv = out->mutable_kv();
        kv->clear_create_revision();
        kv->clear_version();
        kv->clear_value();
        kv->clear_lease();
    }
    if (event.prev_kv.has_value()) {
        ToProto(*event.prev_kv, out->mutable_prev_kv());
    }
}

}  // namespace

std::vector<pb::WatchResponse> Fragment(const pb::WatchResponse& response, size_t bytes_max) {
    if (response.events_size() < 2 || response.ByteSizeLong() < bytes_max) {
        return {response};
    }
    pb::WatchResponse empty = response;
    empty.clear_events();
    const size_t base_bytes = empty.ByteSizeLong();
    std::vector<pb::WatchResponse> out;
    pb::WatchResponse current = empty;
    size_t current_bytes = base_bytes;
    for (const mvccpb::Event& event : response.events()) {
        // Each event costs its size plus a tag and a length prefix.
        const size_t event_bytes = event.ByteSizeLong() + 8;
        if (current.events_size() > 0 && current_bytes + event_bytes >= bytes_max) {
            current.set_fragment(true);
            out.push_back(std::move(current));
            current = empty;
            current_bytes = base_bytes;
        }
        *current.add_events() = event;
        current_bytes += event_bytes;
    }
    current.set_fragment(false);
    out.push_back(std::move(current));
    return out;
}

grpc::Status WatchService::Watch(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<pb::WatchResponse, pb::WatchRequest>* stream) {
    streams_.Add(1);
    WatchOutbox outbox(WatchOutboxOptions{.pending_events_max = kWatcherPendingEventsMax,
                                          .pending_bytes_max = kWatcherPendingBytesMax});
    std::thread reader([&] {
        pb::WatchRequest request;
        while (stream->Read(&request)) {
            Handle(request, outbox);
        }
        // The client closed its side or the call ended: so does the stream (as etcd's).
        outbox.Close();
    });
    while (!context->IsCancelled()) {
        std::vector<WatchMessage> queued = outbox.PopAll(kWriterPollInterval,
                                                         kWriterBatchMessagesMax);
        if (queued.empty()) {
            if (outbox.closed()) {
                break;
            }
            continue;
        }
        // Whatever queued up while the last write was under way goes out in as few responses
        // as it can: one gRPC write per watcher, not one per revision.
        bool written = true;
        for (const WatchMessage& message :
             CoalesceWatchMessages(std::move(queued),
                                   WatchBatchLimits{.events_max = kWriterMergedEventsMax,
                                                    .bytes_max = kWriterMergedBytesMax})) {
            for (const pb::WatchResponse& response : ToResponses(message)) {
                written = written && stream->Write(response);
            }
        }
        if (!written) {
            break;
        }
    }
    // Unblocks the reader if the writer stopped first (a failed write or a server shutdown).
    // The reader is joined before the outbox leaves the hub, so it cannot add a watcher to it
    // afterwards.
    context->TryCancel();
    reader.join();
    hub_.RemoveOutbox(&outbox);
    streams_.Add(-1);
    return grpc::Status::OK;
}

void WatchService::Handle(const pb::WatchRequest& request, WatchOutbox& outbox) {
    switch (request.request_union_case()) {
        case pb::WatchRequest::kCreateRequest: {
            const pb::WatchCreateRequest& create = request.create_request();
            absl::StatusOr<WatchId> id =
                hub_.Add(&outbox, create.watch_id(), SpecFromProto(create));
            if (!id.ok()) {
                outbox.Push(WatchMessage{.kind = WatchMessage::Kind::kCreated,
                                         .watch_id = kAllWatches,
                                         .header_revision = hub_.revision(),
                                         .cancel_reason = std::string(id.status().message()),
                                         .create_failed = true});
            }
            return;
        }
        case pb::WatchRequest::kCancelRequest:
            // etcd answers nothing for an unknown id.
            (void)hub_.Cancel(&outbox, request.cancel_request().watch_id());
            return;
        case pb::WatchRequest::kProgressRequest:
            hub_.RequestProgress(&outbox);
            return;
        case pb::WatchRequest::REQUEST_UNION_NOT_SET:
            return;
    }
}

std::vector<pb::WatchResponse> WatchService::ToResponses(const WatchMessage& message) const {
    pb::WatchResponse response;
    FillHeader(node_, response.mutable_header());
    response.mutable_header()->set_revision(static_cast<int64_t>(message.header_revision.value()));
    response.set_watch_id(message.watch_id);
    switch (message.kind) {
        case WatchMessage::Kind::kCreated:
            response.set_created(true);
            if (message.create_failed) {
                response.set_canceled(true);
                response.set_cancel_reason(message.cancel_reason);
            }
            break;
        case WatchMessage::Kind::kEvents:
            for (const kv::Event& event : message.events) {
                EventToProto(event, response.add_events());
            }
            if (message.fragment) {
                return Fragment(response, base::kRequestBytesMax);
            }
            break;
        case WatchMessage::Kind::kProgress:
            break;
        case WatchMessage::Kind::kCanceled:
            response.set_canceled(true);
            response.set_cancel_reason(message.cancel_reason);
            response.set_compact_revision(static_cast<int64_t>(message.compact_revision.value()));
            break;
    }
    return {response};
}

}  // namespace keel::server
