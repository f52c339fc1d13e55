#include "client/watcher_impl.h"

#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "client/backoff.h"
#include "client/kv_conversion.h"

namespace keel::client {

namespace pb = ::etcdserverpb;

WatcherImpl::WatcherImpl(EndpointPool* pool,
                         const ClientOptions& options,
                         std::string key,
                         WatchOptions watch,
                         WatchCallback callback)
    : pool_(pool),
      options_(options),
      key_(std::move(key)),
      watch_(std::move(watch)),
      callback_(std::move(callback)),
      next_revision_(watch_.start_revision),
      thread_([this] { Loop(); }) {}

WatcherImpl::~WatcherImpl() {
    Cancel();
}

void WatcherImpl::Cancel() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        if (context_ != nullptr) {
            context_->TryCancel();
        }
    }
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
        thread_.join();
    }
}

absl::Status WatcherImpl::status() const {
    std::lock_guard lock(mu_);
    return status_;
}

pb::WatchRequest WatcherImpl::CreateRequest() const {
    pb::WatchRequest request;
    pb::WatchCreateRequest* create = request.mutable_create_request();
    create->set_key(key_);
    if (watch_.prefix && key_.empty()) {
        create->set_key(std::string(1, '\0'));
        create->set_range_end(std::string(1, '\0'));
    } else if (watch_.prefix) {
        create->set_range_end(PrefixRangeEnd(key_));
    } else if (!watch_.range_end.empty()) {
        create->set_range_end(watch_.range_end);
    }
    create->set_start_revision(next_revision_.load());
    create->set_prev_kv(watch_.prev_kv);
    return request;
}

bool WatcherImpl::Deliver(const pb::WatchResponse& response) {
    if (response.created() && next_revision_.load() == 0) {
        // From now on: a resumed stream must not skip what happens after this revision.
        next_revision_ = response.header().revision() + 1;
    }
    if (response.compact_revision() != 0 || response.canceled()) {
        std::lock_guard lock(mu_);
        status_ = response.compact_revision() != 0
                      ? absl::OutOfRangeError(absl::StrCat(
                          "etcdserver: mvcc: required revision has been compacted (compact "
                          "revision ",
                          response.compact_revision(),
                          ")"))
                      : absl::CancelledError(absl::StrCat("keel: watch canceled by the server: ",
                                                          response.cancel_reason()));
        return false;
    }
    if (response.events_size() == 0) {
        return true;
    }
    std::vector<WatchEvent> events;
    for (const mvccpb::Event& e : response.events()) {
        WatchEvent event{.type = e.type() == mvccpb::Event::DELETE ? WatchEvent::Type::kDelete
                                                                   : WatchEvent::Type::kPut,
                         .kv = FromProto(e.kv())};
        if (e.has_prev_kv()) {
            event.prev_kv = FromProto(e.prev_kv());
        }
        KEEL_ASSERT(e.kv().mod_revision() >= next_revision_.load());
        next_revision_ = e.kv().mod_revision() + 1;
        events.push_back(std::move(event));
    }
    callback_(events);
    return true;
}

grpc::Status WatcherImpl::RunStream(Endpoint& endpoint) {
    grpc::ClientContext context;
    {
        std::lock_guard lock(mu_);
        if (stopping_) {
            return grpc::Status::CANCELLED;
        }
        context_ = &context;
    }
    auto stream = endpoint.watch->Watch(&context);
    pb::WatchResponse response;
    bool ended = false;
    if (stream->Write(CreateRequest())) {
        while (stream->Read(&response)) {
            if (!Deliver(response)) {
                ended = true;
                context.TryCancel();
            }
        }
    }
    grpc::Status status = stream->Finish();
    std::lock_guard lock(mu_);
    context_ = nullptr;
    if (ended || stopping_) {
        stopping_ = true;
    }
    return status;
}

void WatcherImpl::Loop() {
    Backoff backoff(options_.backoff, options_.seed ^ 0x5bd1e995u);
    size_t i = 0;
    while (!stopping_) {
        const grpc::Status status = RunStream(pool_->at(i));
        if (stopping_) {
            break;
        }
        // A stream that ended is a broken one (a watch never ends while the server lives).
        ++resumes_;
        pool_->ReportFailure(i);
        i = (i + 1) % pool_->size();
        std::this_thread::sleep_for(backoff.Next());
        (void)status;
    }
}

}  // namespace keel::client
