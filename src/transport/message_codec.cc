#include "transport/message_codec.h"

#include <absl/strings/str_format.h>

#include "base/crc32c.h"
#include "base/limits.h"
#include "base/status.h"

namespace keel::transport {
namespace {

constexpr auto kLastMessageType = raft::MessageType::kTransferLeader;
constexpr auto kLastEntryType = raft::EntryType::kConfChange;

void EncodeIds(const std::vector<NodeId>& ids, google::protobuf::RepeatedField<uint64_t>* out) {
    out->Reserve(static_cast<int>(ids.size()));
    for (NodeId id : ids) {
        out->Add(id.value());
    }
}

std::vector<NodeId> DecodeIds(const google::protobuf::RepeatedField<uint64_t>& ids) {
    std::vector<NodeId> out;
    out.reserve(ids.size());
    for (uint64_t id : ids) {
        out.emplace_back(id);
    }
    return out;
}

void EncodeSnapshot(const raft::Snapshot& snapshot, pb::Snapshot* out) {
    pb::SnapshotMeta* meta = out->mutable_meta();
    meta->set_index(snapshot.meta.index.value());
    meta->set_term(snapshot.meta.term.value());
    const raft::ConfState& cs = snapshot.meta.conf_state;
    pb::ConfState* conf = meta->mutable_conf_state();
    EncodeIds(cs.voters, conf->mutable_voters());
    EncodeIds(cs.learners, conf->mutable_learners());
    EncodeIds(cs.voters_outgoing, conf->mutable_voters_outgoing());
    EncodeIds(cs.learners_next, conf->mutable_learners_next());
    conf->set_auto_leave(cs.auto_leave);
    out->set_data(snapshot.data);
}

raft::Snapshot DecodeSnapshot(const pb::Snapshot& snapshot) {
    raft::Snapshot out;
    out.meta.index = Index(snapshot.meta().index());
    out.meta.term = Term(snapshot.meta().term());
    const pb::ConfState& conf = snapshot.meta().conf_state();
    out.meta.conf_state.voters = DecodeIds(conf.voters());
    out.meta.conf_state.learners = DecodeIds(conf.learners());
    out.meta.conf_state.voters_outgoing = DecodeIds(conf.voters_outgoing());
    out.meta.conf_state.learners_next = DecodeIds(conf.learners_next());
    out.meta.conf_state.auto_leave = conf.auto_leave();
    out.data = snapshot.data();
    return out;
}

absl::StatusOr<raft::Entry> DecodeEntry(const pb::Entry& entry) {
    if (entry.type() < 0 || entry.type() > static_cast<int>(kLastEntryType)) {
        return absl::InvalidArgumentError(
            absl::StrFormat("raft entry %d has unknown type %d", entry.index(), entry.type()));
    }
    return raft::Entry{.term = Term(entry.term()),
                       .index = Index(entry.index()),
                       .type = static_cast<raft::EntryType>(entry.type()),
                       .data = entry.data()};
}

}  // namespace

void EncodeMessage(const raft::Message& message, pb::Message* out) {
    out->set_type(static_cast<pb::MessageType>(message.type));
    out->set_from(message.from.value());
    out->set_to(message.to.value());
    out->set_term(message.term.value());
    out->set_index(message.index.value());
    out->set_log_term(message.log_term.value());
    out->mutable_entries()->Reserve(static_cast<int>(message.entries.size()));
    for (const raft::Entry& entry : message.entries) {
        pb::Entry* e = out->add_entries();
        e->set_term(entry.term.value());
        e->set_index(entry.index.value());
        e->set_type(static_cast<pb::EntryType>(entry.type));
        e->set_data(entry.data);
    }
    out->set_commit(message.commit.value());
    out->set_reject(message.reject);
    out->set_reject_hint(message.reject_hint.value());
    if (message.snapshot.has_value()) {
        EncodeSnapshot(*message.snapshot, out->mutable_snapshot());
    }
    out->set_leadership_transfer(message.leadership_transfer);
    out->set_context(message.context);
    out->set_transferee(message.transferee.value());
}

absl::StatusOr<raft::Message> DecodeMessage(const pb::Message& message) {
    if (message.type() < 0 || message.type() > static_cast<int>(kLastMessageType)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "raft message from %d has unknown type %d", message.from(), message.type()));
    }
    raft::Message out;
    out.type = static_cast<raft::MessageType>(message.type());
    out.from = NodeId(message.from());
    out.to = NodeId(message.to());
    out.term = Term(message.term());
    out.index = Index(message.index());
    out.log_term = Term(message.log_term());
    out.entries.reserve(message.entries_size());
    for (const pb::Entry& entry : message.entries()) {
        KEEL_ASSIGN_OR_RETURN(raft::Entry decoded, DecodeEntry(entry));
        out.entries.push_back(std::move(decoded));
    }
    out.commit = Index(message.commit());
    out.reject = message.reject();
    out.reject_hint = Index(message.reject_hint());
    if (message.has_snapshot()) {
        out.snapshot = DecodeSnapshot(message.snapshot());
    }
    out.leadership_transfer = message.leadership_transfer();
    out.context = message.context();
    out.transferee = NodeId(message.transferee());
    return out;
}

pb::Envelope EncodeEnvelope(const GroupAddress& group, const std::vector<raft::Message>& messages) {
    pb::MessageBatch batch;
    batch.set_cluster_id(group.cluster_id);
    batch.set_shard_id(group.shard.value());
    batch.mutable_messages()->Reserve(static_cast<int>(messages.size()));
    for (const raft::Message& message : messages) {
        EncodeMessage(message, batch.add_messages());
    }
    pb::Envelope envelope;
    batch.SerializeToString(envelope.mutable_batch());
    envelope.set_masked_crc32c(base::MaskCrc(base::Crc32c(envelope.batch())));
    return envelope;
}

absl::StatusOr<DecodedBatch> DecodeEnvelope(const pb::Envelope& envelope) {
    if (envelope.batch().size() > base::kPeerMessageBytesMax) {
        return absl::ResourceExhaustedError(
            absl::StrFormat("peer batch of %d bytes exceeds the limit of %d bytes",
                            envelope.batch().size(),
                            base::kPeerMessageBytesMax));
    }
    const uint32_t actual = base::Crc32c(envelope.batch());
    const uint32_t expected = base::UnmaskCrc(envelope.masked_crc32c());
    if (actual != expected) {
        return absl::DataLossError(
            absl::StrFormat("peer batch of %d bytes fails its checksum: crc32c %08x, expected %08x",
                            envelope.batch().size(),
                            actual,
                            expected));
    }
    pb::MessageBatch batch;
    if (!batch.ParseFromString(envelope.batch())) {
        return absl::InvalidArgumentError("peer batch passes its checksum but does not parse");
    }
    DecodedBatch out;
    out.group = GroupAddress{.cluster_id = batch.cluster_id(), .shard = ShardId(batch.shard_id())};
    out.messages.reserve(batch.messages_size());
    for (const pb::Message& message : batch.messages()) {
        KEEL_ASSIGN_OR_RETURN(raft::Message decoded, DecodeMessage(message));
        out.messages.push_back(std::move(decoded));
    }
    return out;
}

}  // namespace keel::transport
