#include "sim/state_machine.h"

#include <cstring>

#include <absl/status/status.h>

#include "base/assert.h"
#include "base/crc32c.h"
#include "sim/image_codec.h"

namespace keel::sim {
namespace {

constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
constexpr uint8_t kImageVersion = 2;
// A snapshot image larger than this is corrupt (the simulator's logs are far smaller).
constexpr size_t kImagePayloadsMax = 1 << 20;

uint64_t FnvBytes(uint64_t hash, std::string_view bytes) {
    for (unsigned char c : bytes) {
        hash ^= c;
        hash *= kFnvPrime;
    }
    return hash;
}

uint64_t FnvU64(uint64_t hash, uint64_t value) {
    for (int i = 0; i < 8; ++i) {
        hash ^= (value >> (8 * i)) & 0xff;
        hash *= kFnvPrime;
    }
    return hash;
}

}  // namespace

uint64_t ChainHash(uint64_t chain, const raft::Entry& entry) {
    uint64_t hash = FnvU64(chain, entry.index.value());
    hash = FnvU64(hash, entry.term.value());
    hash = FnvU64(hash, static_cast<uint64_t>(entry.type));
    hash = FnvU64(hash, entry.data.size());
    return FnvBytes(hash, entry.data);
}

std::optional<SessionOutcome> StateMachine::Apply(const raft::Entry& entry, bool deduplicate) {
    KEEL_ASSERT_MSG(entry.index == applied_index_.Next(),
                    "apply out of order: %d after %d",
                    entry.index.value(),
                    applied_index_.value());
    chain_ = ChainHash(chain_, entry);
    applied_index_ = entry.index;
    applied_term_ = entry.term;
    if (entry.type != raft::EntryType::kNormal || entry.data.empty()) {
        return std::nullopt;
    }
    payloads_.push_back({entry.index, entry.data});
    const std::optional<SessionCommand> command = SessionCommand::Decode(entry.data);
    if (!command.has_value()) {
        return std::nullopt;
    }
    return sessions_.Apply(entry.index, *command, deduplicate);
}

// Image grammar (little-endian):
//   image   := version:u8 applied_index:u64 applied_term:u64 chain:u64 count:u64
//              payload{count} sessions:bytes crc:u64
//   payload := index:u64 length:u64 data
//   bytes   := length:u64 data                  (sessions: SessionState::Encode)
// where crc is the masked CRC32C of everything before it.
std::string StateMachine::Encode() const {
    std::string out(1, static_cast<char>(kImageVersion));
    PutU64(&out, applied_index_.value());
    PutU64(&out, applied_term_.value());
    PutU64(&out, chain_);
    PutU64(&out, payloads_.size());
    for (const AppliedPayload& payload : payloads_) {
        PutU64(&out, payload.index.value());
        PutU64(&out, payload.data.size());
        out += payload.data;
    }
    PutBytes(&out, sessions_.Encode());
    PutU64(&out, base::MaskCrc(base::Crc32c(out)));
    return out;
}

absl::StatusOr<StateMachine> StateMachine::Decode(std::string_view image) {
    if (image.size() < 1 + 5 * 8) {
        return absl::DataLossError("snapshot image too short");
    }
    const std::string_view body = image.substr(0, image.size() - 8);
    uint64_t crc = 0;
    ImageReader tail(image.substr(image.size() - 8));
    KEEL_ASSERT(tail.U64(&crc));
    if (crc != base::MaskCrc(base::Crc32c(body))) {
        return absl::DataLossError("snapshot image checksum mismatch");
    }
    if (static_cast<uint8_t>(body[0]) != kImageVersion) {
        return absl::DataLossError("snapshot image has an unknown version");
    }
    ImageReader reader(body.substr(1));
    StateMachine sm;
    uint64_t index = 0;
    uint64_t term = 0;
    uint64_t count = 0;
    if (!reader.U64(&index) || !reader.U64(&term) || !reader.U64(&sm.chain_) || !reader.U64(&count)
        || count > kImagePayloadsMax) {
        return absl::DataLossError("snapshot image header is malformed");
    }
    sm.applied_index_ = Index(index);
    sm.applied_term_ = Term(term);
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t payload_index = 0;
        uint64_t length = 0;
        std::string data;
        if (!reader.U64(&payload_index) || !reader.U64(&length) || !reader.Bytes(length, &data)) {
            return absl::DataLossError("snapshot image payload is truncated");
        }
        sm.payloads_.push_back({Index(payload_index), std::move(data)});
    }
    std::string sessions;
    if (!reader.LengthPrefixed(body.size(), &sessions)) {
        return absl::DataLossError("snapshot image sessions are truncated");
    }
    std::optional<SessionState> decoded = SessionState::Decode(sessions);
    if (!decoded.has_value()) {
        return absl::DataLossError("snapshot image sessions are malformed");
    }
    sm.sessions_ = *std::move(decoded);
    if (!reader.done()) {
        return absl::DataLossError("snapshot image has trailing bytes");
    }
    return sm;
}

}  // namespace keel::sim
