#include "client/endpoint_pool.h"

#include <algorithm>

#include <absl/strings/str_cat.h>

#include "base/assert.h"

namespace keel::client {
namespace {

namespace pb = ::etcdserverpb;

// Large enough for any value keel or etcd accepts.
constexpr int kMessageBytesMax = 64 * 1024 * 1024;
// Re-dial a failed member quickly: failover should not wait for gRPC's default 1 s..120 s.
constexpr int kReconnectBackoffMinMs = 100;
constexpr int kReconnectBackoffMaxMs = 1000;
constexpr auto kStatusAttemptMax = std::chrono::seconds(1);

std::unique_ptr<Endpoint> NewEndpoint(const std::string& name) {
    auto endpoint = std::make_unique<Endpoint>();
    endpoint->name = name;
    absl::StatusOr<std::string> target = DialTarget(name);
    KEEL_ASSERT(target.ok());
    endpoint->target = *target;
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMessageBytesMax);
    args.SetMaxSendMessageSize(kMessageBytesMax);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kReconnectBackoffMinMs);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kReconnectBackoffMinMs);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kReconnectBackoffMaxMs);
    // Each endpoint its own connection, even when two names reach the same address.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    endpoint->channel =
        grpc::CreateCustomChannel(endpoint->target, grpc::InsecureChannelCredentials(), args);
    endpoint->kv = pb::KV::NewStub(endpoint->channel);
    endpoint->watch = pb::Watch::NewStub(endpoint->channel);
    endpoint->lease = pb::Lease::NewStub(endpoint->channel);
    endpoint->cluster = pb::Cluster::NewStub(endpoint->channel);
    endpoint->maintenance = pb::Maintenance::NewStub(endpoint->channel);
    endpoint->lock = v3lockpb::Lock::NewStub(endpoint->channel);
    endpoint->session = keel::v1::Session::NewStub(endpoint->channel);
    return endpoint;
}

}  // namespace

absl::StatusOr<std::string> DialTarget(const std::string& endpoint) {
    std::string target = endpoint;
    for (const std::string scheme : {"http://", "https://"}) {
        if (target.rfind(scheme, 0) == 0) {
            target = target.substr(scheme.size());
        }
    }
    while (!target.empty() && target.back() == '/') {
        target.pop_back();
    }
    if (target.empty() || target.find(':') == std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("keel: endpoint \"", endpoint, "\" is not host:port"));
    }
    return target;
}

EndpointPool::EndpointPool(const std::vector<std::string>& endpoints) {
    KEEL_ASSERT(!endpoints.empty());
    for (const std::string& name : endpoints) {
        endpoints_.push_back(NewEndpoint(name));
    }
}

size_t EndpointPool::Pick(std::chrono::system_clock::time_point deadline) {
    if (endpoints_.size() == 1) {
        return 0;  // nothing to choose: no Status round trip
    }
    {
        std::lock_guard lock(mu_);
        if (leader_.has_value()) {
            return *leader_;
        }
    }
    if (const std::optional<size_t> leader = FindLeader(deadline); leader.has_value()) {
        return *leader;
    }
    std::lock_guard lock(mu_);
    KEEL_ASSERT(current_ < endpoints_.size());
    return current_;
}

void EndpointPool::ReportFailure(size_t i) {
    KEEL_ASSERT(i < endpoints_.size());
    std::lock_guard lock(mu_);
    if (leader_ == i) {
        leader_.reset();
    }
    if (current_ == i) {
        current_ = (i + 1) % endpoints_.size();
    }
}

grpc::Status EndpointPool::Status(size_t i,
                                  std::chrono::system_clock::time_point deadline,
                                  pb::StatusResponse* response) {
    grpc::ClientContext context;
    context.set_deadline(std::min(deadline, std::chrono::system_clock::now() + kStatusAttemptMax));
    return at(i).maintenance->Status(&context, pb::StatusRequest(), response);
}

std::optional<size_t> EndpointPool::FindLeader(std::chrono::system_clock::time_point deadline) {
    for (size_t i = 0; i < endpoints_.size(); ++i) {
        if (std::chrono::system_clock::now() >= deadline) {
            break;
        }
        pb::StatusResponse response;
        if (!Status(i, deadline, &response).ok()) {
            continue;
        }
        if (response.leader() != 0 && response.header().member_id() == response.leader()) {
            std::lock_guard lock(mu_);
            leader_ = i;
            return i;
        }
    }
    return std::nullopt;
}

}  // namespace keel::client
