// DuplicatingDelivery: a testing-only wrapper around PeerTransportCallbacks::on_messages that
// makes the network duplicate peer traffic (keeld's --debug-peer-duplicate-file, driven by the
// chaos harness). A fault proxy in front of a peer port cannot duplicate bytes inside an HTTP/2
// stream without corrupting it, so duplication happens here, after a batch has been decoded and
// its checksum verified: a seeded fraction of received batches is delivered twice. The copy is
// held back and delivered after the next received batch, so it arrives both duplicated and out
// of order, as a retransmitting network would deliver it. Raft must ignore it (stale terms,
// already-matched entries, repeated votes and heartbeats).
//
// The control file holds the fraction in parts per million; no file, or anything that is not a
// number, means 0. It is re-read at most every kControlPoll, so a harness switches duplication on
// and off while the process runs. Batches that carry a snapshot are never duplicated (snapshots
// have their own stream and are not part of this fault).
//
// Threading: operator() is called on gRPC threads concurrently; it is thread-safe, and calls
// the wrapped function outside its lock.
// Invariant: at most one batch is held back at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/rng.h"
#include "raft/types.h"

namespace keel::transport {

class DuplicatingDelivery {
public:
    using Deliver = std::function<void(std::vector<raft::Message>)>;

    static constexpr std::chrono::milliseconds kControlPoll{100};
    static constexpr uint32_t kPpmMax = 1'000'000;

    DuplicatingDelivery(std::string control_file, uint64_t seed, Deliver deliver);

    // Delivers `batch`, then the held-back copy of an earlier batch if there is one; and holds
    // a copy of `batch` back with the control file's probability.
    void operator()(std::vector<raft::Message> batch);

    // Batches delivered twice so far.
    uint64_t duplicated() const;

private:
    // The control file's fraction, re-read when the last read is older than kControlPoll.
    // Requires mu_.
    uint32_t PpmLocked();

    const std::string control_file_;
    const Deliver deliver_;
    mutable std::mutex mu_;
    base::Rng rng_;                                      // guarded by mu_
    std::optional<std::vector<raft::Message>> held_;     // guarded by mu_
    std::chrono::steady_clock::time_point next_read_{};  // guarded by mu_
    uint32_t ppm_ = 0;                                   // guarded by mu_
    uint64_t duplicated_ = 0;                            // guarded by mu_
};

}  // namespace keel::transport
