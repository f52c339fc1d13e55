// keel's C++ client: how a Client retries, and with which guarantee (docs/client.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace keel::client {

// What a write call does when it cannot tell whether its request executed (the reply was
// lost, the server crashed, the deadline passed). Reads are idempotent and always retried.
enum class CallSemantics {
    // No retransmission: a write is sent once; an unknown outcome is returned to the caller.
    kMaybe,
    // Retransmits without a session: the write executes at least once, maybe more often.
    kAtLeastOnce,
    // Retransmits within a session (keel-session-id, keel-seq, keel-ack; docs/sessions.md):
    // the server answers a retransmission from its cache, so the write executes once.
    kExactlyOnce,
};

// Exponential backoff between attempts: attempt n waits min(max, initial * multiplier^n),
// reduced by a random fraction of at most `jitter` (so clients that failed together do not
// retry together).
struct BackoffOptions {
    std::chrono::milliseconds initial{50};
    std::chrono::milliseconds max{1000};
    double multiplier = 2.0;
    // In [0, 1]: 0 is no jitter, 1 draws the delay uniformly from (0, base].
    double jitter = 0.5;
};

struct ClientOptions {
    // "host:port" or "http://host:port", at least one.
    std::vector<std::string> endpoints;
    // For Put, Delete and Txn. Lease and lock calls are never sessioned (the server does not
    // cache their answers): under kExactlyOnce they are retried at least once.
    CallSemantics write_semantics = CallSemantics::kExactlyOnce;
    // The whole call, every retry included.
    std::chrono::milliseconds call_timeout{10'000};
    // One attempt; a slower attempt is abandoned and (if allowed) retried.
    std::chrono::milliseconds attempt_timeout{2'000};
    BackoffOptions backoff;
    // The session's time to live without activity (the server clamps it to [1 s, 1 h]).
    std::chrono::milliseconds session_ttl{60'000};
    // Seeds the backoff jitter; 0 picks one from the clock.
    uint64_t seed = 0;
};

}  // namespace keel::client
