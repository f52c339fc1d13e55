// Conversion between raft::Message (plain structs, src/raft/types.h) and the peer protocol's
// protobuf messages (proto/keel/raft/v1/raft.proto), plus the checksummed batch envelope.
//
// Encoding cannot fail. Decoding is the boundary where untrusted peer bytes become protocol
// input, so it validates everything a protobuf parser does not: enum values in range, a CRC32C
// that matches, sizes within limits. Malformed input is a Status, never an assertion.
// Thread-safe (pure functions).
#pragma once

#include <string>
#include <vector>

#include <absl/status/statusor.h>

#include "keel/raft/v1/raft.pb.h"
#include "raft/types.h"

namespace keel::transport {

namespace pb = ::keel::raft::v1;

void EncodeMessage(const raft::Message& message, pb::Message* out);

// InvalidArgument if a field is out of range (an unknown message or entry type).
absl::StatusOr<raft::Message> DecodeMessage(const pb::Message& message);

// The identity of the Raft group a batch belongs to; a batch for another cluster or shard is
// refused by the receiver.
struct GroupAddress {
    uint64_t cluster_id = 0;
    ShardId shard;

    bool operator==(const GroupAddress&) const = default;
};

// Serializes `messages` into one checksummed envelope.
pb::Envelope EncodeEnvelope(const GroupAddress& group, const std::vector<raft::Message>& messages);

struct DecodedBatch {
    GroupAddress group;
    std::vector<raft::Message> messages;
};

// DataLoss if the checksum does not match (the bytes were corrupted on the way), InvalidArgument
// if the batch does not parse or a message in it is malformed, ResourceExhausted if it is larger
// than base::kPeerMessageBytesMax.
absl::StatusOr<DecodedBatch> DecodeEnvelope(const pb::Envelope& envelope);

}  // namespace keel::transport
