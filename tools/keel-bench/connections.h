// Connections: the gRPC channels of a run and the endpoints they go to.
//
// With Target::kLeader every channel goes to the member that the endpoints agree is the leader
// (asked with Maintenance.Status, which names the leader's member id; each endpoint's own id is
// in its response header). With Target::kAll, channel i goes to endpoint i % endpoints. Each
// channel uses its own subchannel pool, so `conns` channels are `conns` TCP connections.
//
// Immutable after Open; the stubs are thread-safe (gRPC's are).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <absl/status/statusor.h>
#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "keel-bench/bench_options.h"

namespace keel::bench {

struct Connection {
    std::string endpoint;
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Watch::Stub> watch;
};

// Finds the leader's endpoint among `endpoints`. Errors: Unavailable when no endpoint answers
// or none of those that answer is the leader they name.
absl::StatusOr<std::string> FindLeader(const std::vector<std::string>& endpoints);

// Opens options.conns channels per options.target and waits (up to 5 s) until each is
// connected. Errors: FindLeader's; Unavailable when a channel does not connect.
absl::StatusOr<std::vector<Connection>> OpenConnections(const BenchOptions& options);

}  // namespace keel::bench
