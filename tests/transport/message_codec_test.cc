#include "transport/message_codec.h"

#include <gtest/gtest.h>

#include "base/crc32c.h"
#include "base/rng.h"

namespace keel::transport {
namespace {

std::string RandomBytes(base::Rng& rng, size_t max_len) {
    std::string s(rng.Uniform(max_len + 1), '\0');
    for (char& c : s) {
        c = static_cast<char>(rng.Uniform(256));
    }
    return s;
}

std::vector<NodeId> RandomIds(base::Rng& rng) {
    std::vector<NodeId> ids(rng.Uniform(4));
    for (NodeId& id : ids) {
        id = NodeId(rng.Range(1, 9));
    }
    return ids;
}

// A message with every field set at random: the codec is field-by-field, so a forgotten field
// shows up as a round-trip mismatch.
raft::Message RandomMessage(base::Rng& rng) {
    raft::Message m;
    m.type = static_cast<raft::MessageType>(rng.Uniform(13));
    m.from = NodeId(rng.Next());
    m.to = NodeId(rng.Next());
    m.term = Term(rng.Next());
    m.index = Index(rng.Next());
    m.log_term = Term(rng.Next());
    for (uint64_t i = rng.Uniform(4); i > 0; --i) {
        m.entries.push_back(raft::Entry{.term = Term(rng.Next()),
                                        .index = Index(rng.Next()),
                                        .type = static_cast<raft::EntryType>(rng.Uniform(2)),
                                        .data = RandomBytes(rng, 64)});
    }
    m.commit = Index(rng.Next());
    m.reject = rng.Chance(1, 2);
    m.reject_hint = Index(rng.Next());
    if (rng.Chance(1, 3)) {
        raft::Snapshot snap;
        snap.meta.index = Index(rng.Next());
        snap.meta.term = Term(rng.Next());
        snap.meta.conf_state = raft::ConfState{.voters = RandomIds(rng),
                                               .learners = RandomIds(rng),
                                               .voters_outgoing = RandomIds(rng),
                                               .learners_next = RandomIds(rng),
                                               .auto_leave = rng.Chance(1, 2)};
        snap.data = RandomBytes(rng, 128);
        m.snapshot = std::move(snap);
    }
    m.leadership_transfer = rng.Chance(1, 2);
    m.context = RandomBytes(rng, 16);
    m.transferee = NodeId(rng.Next());
    return m;
}

// Every field of raft::Message must be carried. If this fails, a field was added to
// raft::Message: add it to RandomMessage, the proto and the codec.
TEST(MessageCodec, KnowsEveryFieldOfRaftMessage) {
    EXPECT_EQ(sizeof(raft::Message), 304u)
        << "raft::Message changed size: does the codec carry the new field?";
}

TEST(MessageCodec, RandomMessagesRoundTrip) {
    constexpr uint64_t kSeed = 20261121;
    base::Rng rng(kSeed);
    for (int i = 0; i < 2000; ++i) {
        const raft::Message m = RandomMessage(rng);
        pb::Message encoded;
        EncodeMessage(m, &encoded);
        absl::StatusOr<raft::Message> decoded = DecodeMessage(encoded);
        ASSERT_TRUE(decoded.ok()) << "seed " << kSeed << " message " << i << ": "
                                  << decoded.status();
        ASSERT_EQ(*decoded, m) << "seed " << kSeed << " message " << i;
    }
}

TEST(MessageCodec, UnknownMessageTypeIsInvalidArgument) {
    pb::Message m;
    m.set_type(static_cast<pb::MessageType>(99));
    m.set_from(3);
    const absl::StatusOr<raft::Message> decoded = DecodeMessage(m);
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(decoded.status().message(), "raft message from 3 has unknown type 99");
}

TEST(MessageCodec, UnknownEntryTypeIsInvalidArgument) {
    pb::Message m;
    m.set_type(pb::MSG_APPEND);
    pb::Entry* e = m.add_entries();
    e->set_index(7);
    e->set_type(static_cast<pb::EntryType>(5));
    EXPECT_EQ(DecodeMessage(m).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Envelope, RoundTripsABatchAndItsGroup) {
    base::Rng rng(7);
    std::vector<raft::Message> batch;
    for (int i = 0; i < 10; ++i) {
        batch.push_back(RandomMessage(rng));
    }
    const GroupAddress group{.cluster_id = 42, .shard = ShardId(3)};
    const pb::Envelope envelope = EncodeEnvelope(group, batch);
    absl::StatusOr<DecodedBatch> decoded = DecodeEnvelope(envelope);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->group, group);
    EXPECT_EQ(decoded->messages, batch);
}

TEST(Envelope, EveryFlippedBitIsDataLoss) {
    base::Rng rng(8);
    const pb::Envelope envelope =
        EncodeEnvelope(GroupAddress{.cluster_id = 1, .shard = ShardId(1)}, {RandomMessage(rng)});
    const std::string& bytes = envelope.batch();
    for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
        pb::Envelope corrupt = envelope;
        (*corrupt.mutable_batch())[bit / 8] ^= static_cast<char>(1 << (bit % 8));
        ASSERT_EQ(DecodeEnvelope(corrupt).status().code(), absl::StatusCode::kDataLoss)
            << "bit " << bit;
    }
}

TEST(Envelope, ValidChecksumOverGarbageIsInvalidArgument) {
    pb::Envelope envelope;
    envelope.set_batch("\xff\xff\xff");
    envelope.set_masked_crc32c(base::MaskCrc(base::Crc32c(envelope.batch())));
    EXPECT_EQ(DecodeEnvelope(envelope).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keel::transport
