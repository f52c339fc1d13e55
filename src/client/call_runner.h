// CallRunner: the attempt loop every Client call goes through. It picks an endpoint (the
// leader when known), bounds each attempt by the attempt timeout and the whole call by the call
// timeout, fails over on errors that indict the endpoint, and retries with Backoff when
// retry_policy.h says the operation and semantics allow it.
//
// Thread-safe: Run may be called from many threads; each run has its own Backoff.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include <absl/status/status.h>
#include <grpcpp/grpcpp.h>

#include "client/endpoint_pool.h"
#include "client/retry_policy.h"
#include "keel/client_options.h"
#include "keel/kv_types.h"

namespace keel::client {

struct CallSpec {
    // For error messages: "put", "txn", ...
    const char* name = "call";
    OperationKind operation = OperationKind::kRead;
    CallSemantics semantics = CallSemantics::kAtLeastOnce;
    // Overrides ClientOptions::attempt_timeout (a Lock waits for the whole call).
    std::optional<std::chrono::milliseconds> attempt_timeout;
};

// One attempt: send the request on `endpoint` with `context` (deadline already set; add
// metadata here) and fill the caller's response. Called again for each retry.
using Attempt = std::function<grpc::Status(Endpoint& endpoint, grpc::ClientContext& context)>;

// The status a failed call returns, with the outcome-unknown mark when it applies (errors.h).
absl::Status CallError(absl::StatusCode code, std::string message, bool outcome_unknown);

class CallRunner {
public:
    // `pool` outlives the runner.
    CallRunner(EndpointPool* pool, const ClientOptions& options);

    absl::Status Run(const CallSpec& spec, const Attempt& attempt);

    ClientStats stats() const;

    void CountSessionOpened() { ++sessions_opened_; }

private:
    EndpointPool* pool_;
    const ClientOptions options_;
    std::atomic<uint64_t> seed_;
    std::atomic<uint64_t> calls_{0};
    std::atomic<uint64_t> attempts_{0};
    std::atomic<uint64_t> retries_{0};
    std::atomic<uint64_t> sessions_opened_{0};
};

}  // namespace keel::client
