#include "keel-bench/connections.h"

#include <chrono>

#include <absl/strings/str_cat.h>

#include "base/assert.h"

namespace keel::bench {
namespace {

namespace pb = ::etcdserverpb;

constexpr auto kStatusTimeout = std::chrono::seconds(3);
constexpr auto kConnectTimeout = std::chrono::seconds(5);
// Large enough for any value keel or etcd accepts.
constexpr int kMessageBytesMax = 64 * 1024 * 1024;

std::shared_ptr<grpc::Channel> NewChannel(const std::string& endpoint) {
    grpc::ChannelArguments args;
    // A private subchannel pool: channels to the same address do not share one connection.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(kMessageBytesMax);
    args.SetMaxSendMessageSize(kMessageBytesMax);
    return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

absl::StatusOr<std::string> FindLeader(const std::vector<std::string>& endpoints) {
    std::string errors;
    for (const std::string& endpoint : endpoints) {
        auto stub = pb::Maintenance::NewStub(NewChannel(endpoint));
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + kStatusTimeout);
        pb::StatusResponse response;
        const grpc::Status status = stub->Status(&context, pb::StatusRequest(), &response);
        if (!status.ok()) {
            absl::StrAppend(&errors, " ", endpoint, ": ", status.error_message(), ";");
            continue;
        }
        if (response.leader() != 0 && response.header().member_id() == response.leader()) {
            return endpoint;
        }
    }
    return absl::UnavailableError(
        absl::StrCat("no endpoint is the leader (or none answered):", errors));
}

absl::StatusOr<std::vector<Connection>> OpenConnections(const BenchOptions& options) {
    KEEL_ASSERT(!options.endpoints.empty());
    KEEL_ASSERT(options.conns > 0);
    std::vector<std::string> targets = options.endpoints;
    if (options.target == Target::kLeader) {
        absl::StatusOr<std::string> leader = FindLeader(options.endpoints);
        if (!leader.ok()) {
            return leader.status();
        }
        targets = {*leader};
    }
    std::vector<Connection> connections;
    const auto deadline = std::chrono::system_clock::now() + kConnectTimeout;
    for (int i = 0; i < options.conns; ++i) {
        Connection c;
        c.endpoint = targets[static_cast<size_t>(i) % targets.size()];
        c.channel = NewChannel(c.endpoint);
        if (!c.channel->WaitForConnected(deadline)) {
            return absl::UnavailableError(absl::StrCat("cannot connect to ", c.endpoint));
        }
        c.kv = pb::KV::NewStub(c.channel);
        c.watch = pb::Watch::NewStub(c.channel);
        connections.push_back(std::move(c));
    }
    return connections;
}

}  // namespace keel::bench
