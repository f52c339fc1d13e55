#include "client/lease_keep_alive_impl.h"

#include <algorithm>

#include "client/backoff.h"

namespace keel::client {

namespace pb = ::etcdserverpb;

LeaseKeepAliveImpl::LeaseKeepAliveImpl(EndpointPool* pool, const ClientOptions& options, int64_t id)
    : pool_(pool), options_(options), id_(id), thread_([this] { Loop(); }) {}

LeaseKeepAliveImpl::~LeaseKeepAliveImpl() {
    Stop();
}

void LeaseKeepAliveImpl::Stop() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        if (context_ != nullptr) {
            context_->TryCancel();
        }
    }
    cv_.notify_all();
    if (thread_.joinable()) {
        thread_.join();
    }
}

absl::Status LeaseKeepAliveImpl::status() const {
    std::lock_guard lock(mu_);
    return status_;
}

bool LeaseKeepAliveImpl::RunStream(Endpoint& endpoint) {
    grpc::ClientContext context;
    {
        std::lock_guard lock(mu_);
        if (stopping_) {
            return false;
        }
        context_ = &context;
    }
    auto stream = endpoint.lease->LeaseKeepAlive(&context);
    pb::LeaseKeepAliveRequest request;
    request.set_id(id_);
    pb::LeaseKeepAliveResponse response;
    bool keep_going = true;
    while (stream->Write(request) && stream->Read(&response)) {
        if (response.ttl() <= 0) {
            std::lock_guard lock(mu_);
            status_ = absl::NotFoundError("etcdserver: requested lease not found");
            keep_going = false;
            break;
        }
        last_ttl_s_ = response.ttl();
        // A third of the TTL leaves two refreshes' worth of slack.
        const auto period = std::max(std::chrono::milliseconds(100),
                                     std::chrono::milliseconds(response.ttl() * 1000 / 3));
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, period, [this] { return stopping_; })) {
            keep_going = false;
            break;
        }
    }
    context.TryCancel();
    (void)stream->Finish();
    std::lock_guard lock(mu_);
    context_ = nullptr;
    return keep_going && !stopping_;
}

void LeaseKeepAliveImpl::Loop() {
    Backoff backoff(options_.backoff, options_.seed ^ static_cast<uint64_t>(id_));
    size_t i = 0;
    while (RunStream(pool_->at(i))) {
        pool_->ReportFailure(i);
        i = (i + 1) % pool_->size();
        std::unique_lock lock(mu_);
        if (cv_.wait_for(lock, backoff.Next(), [this] { return stopping_; })) {
            break;
        }
    }
}

}  // namespace keel::client
