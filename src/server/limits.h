// Named maxima and defaults of keeld's request path.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "base/limits.h"
#include "kv/limits.h"

namespace keel::server {

// The most client proposals queued for the loop thread; beyond it a write gets
// "etcdserver: too many requests" at once instead of waiting.
inline constexpr size_t kProposalsQueuedMax = 4096;
// The most linearizable reads queued for the loop thread.
inline constexpr size_t kReadsQueuedMax = 4096;
// The most peer messages queued for the loop thread; beyond it messages are dropped (Raft
// tolerates lost messages, and the sender retries by protocol).
inline constexpr size_t kInboundMessagesMax = 16384;
// The most Readies handled in a row without going back to the inbox: a Ready loop that never
// drains is a livelock in the core.
inline constexpr int kReadyRoundsMax = 1000;

// How long a request waits for its entry to apply (or its read index) when the client set no
// deadline, and the most it waits even if the client's deadline is later (etcd's default
// request timeout is 5 s plus an allowance for elections).
inline constexpr std::chrono::milliseconds kRequestTimeoutDefault{5000};

// How long a linearizable read waits for Raft to confirm its read index before the loop issues
// it again under a new context (the request or the answer may have been lost in transit).
inline constexpr std::chrono::milliseconds kReadIndexRetryInterval{1000};

static_assert(kReadIndexRetryInterval < kRequestTimeoutDefault);

// gRPC's cap on an inbound client message: the largest request plus headroom for the gRPC
// envelope, as etcd sizes it.
inline constexpr size_t kGrpcOverheadBytes = 512 * 1024;
inline constexpr size_t kClientMessageBytesMax = base::kRequestBytesMax + kGrpcOverheadBytes;

// etcd's --max-request-bytes and --max-txn-ops. The request size may be lowered but not raised
// above base::kRequestBytesMax (a Raft entry must fit kEntryBytesMax).
struct RequestLimits {
    size_t request_bytes_max = base::kRequestBytesMax;
    size_t txn_ops_max = kv::kTxnOpsMaxDefault;
};

// The default storage quota (etcd's --quota-backend-bytes default, 2 GiB).
inline constexpr uint64_t kQuotaBackendBytesDefault = uint64_t{2} * 1024 * 1024 * 1024;
// How often the loop refreshes the store size the quota check compares against.
inline constexpr std::chrono::milliseconds kDbSizeRefreshInterval{1000};
// The most lease revokes the leader proposes per tick (etcd revokes at most 1000 a second).
inline constexpr size_t kLeaseRevokesPerTickMax = 100;
// The most lease checkpoints in one entry (etcd's maxLeaseCheckpointBatchSize).
inline constexpr size_t kLeaseCheckpointsPerEntryMax = 1000;

static_assert(kProposalsQueuedMax > 0);
static_assert(kReadsQueuedMax > 0);

}  // namespace keel::server
