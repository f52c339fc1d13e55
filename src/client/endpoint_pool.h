// EndpointPool: one gRPC channel (and the etcd/keel stubs on it) per configured endpoint, and
// which of them is the leader as far as this client knows.
//
// The leader is found by asking each endpoint Maintenance.Status: the answer names the
// leader's member id and, in its header, the answering member's own id. Comparing the two
// works through proxies and NAT, where MemberList's client URLs would not.
//
// Thread-safe: the stubs are gRPC's (thread-safe); the leader and the rotation are guarded by
// a mutex. Invariant: leader_ and current_ are valid indexes of endpoints_ (or no leader).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <absl/status/statusor.h>
#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"
#include "keel/v1/session.grpc.pb.h"

namespace keel::client {

struct Endpoint {
    // As configured, and as dialed (no scheme).
    std::string name;
    std::string target;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
    std::unique_ptr<etcdserverpb::Lease::Stub> lease;
    std::unique_ptr<etcdserverpb::Cluster::Stub> cluster;
    std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
    std::unique_ptr<v3lockpb::Lock::Stub> lock;
    std::unique_ptr<keel::v1::Session::Stub> session;
};

// "http://host:port" -> "host:port"; InvalidArgument for an empty or unusable endpoint.
absl::StatusOr<std::string> DialTarget(const std::string& endpoint);

class EndpointPool {
public:
    // Precondition: every endpoint passed DialTarget.
    explicit EndpointPool(const std::vector<std::string>& endpoints);

    size_t size() const { return endpoints_.size(); }

    Endpoint& at(size_t i) { return *endpoints_.at(i); }

    // The endpoint for the next attempt: the only one; or the leader when known or found
    // (Status calls bounded by `deadline`), otherwise the current one of the rotation.
    size_t Pick(std::chrono::system_clock::time_point deadline);

    // Attempts to endpoint i fail: forget it as leader and move the rotation past it.
    void ReportFailure(size_t i);

    // Asks every endpoint's Status (each bounded by `deadline` and a second) for the leader.
    std::optional<size_t> FindLeader(std::chrono::system_clock::time_point deadline);

    // Maintenance.Status of endpoint i.
    grpc::Status Status(size_t i,
                        std::chrono::system_clock::time_point deadline,
                        etcdserverpb::StatusResponse* response);

private:
    std::vector<std::unique_ptr<Endpoint>> endpoints_;
    std::mutex mu_;
    std::optional<size_t> leader_;  // guarded by mu_
    size_t current_ = 0;            // guarded by mu_
};

}  // namespace keel::client
