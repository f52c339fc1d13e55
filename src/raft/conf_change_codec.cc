#include "raft/conf_change_codec.h"

#include <cstdint>

#include <absl/status/status.h>

#include "base/assert.h"
#include "raft/limits.h"

namespace keel::raft {
namespace {

void PutFixed(std::string& out, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    }
}

// A cursor over the input that never reads past its end.
class Reader {
public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}

    bool GetFixed(int width, uint64_t& value) {
        if (bytes_.size() < static_cast<size_t>(width)) {
            return false;
        }
        value = 0;
        for (int i = 0; i < width; ++i) {
            value |= uint64_t{static_cast<uint8_t>(bytes_[i])} << (8 * i);
        }
        bytes_.remove_prefix(width);
        return true;
    }

    bool GetBytes(size_t n, std::string& out) {
        if (bytes_.size() < n) {
            return false;
        }
        out.assign(bytes_.substr(0, n));
        bytes_.remove_prefix(n);
        return true;
    }

    bool empty() const { return bytes_.empty(); }

private:
    std::string_view bytes_;
};

absl::Status Truncated() {
    return absl::InvalidArgumentError("conf change: truncated");
}

}  // namespace

std::string EncodeConfChange(const ConfChange& change) {
    KEEL_ASSERT(change.changes.size() <= kConfChangesMax);
    KEEL_ASSERT(change.context.size() <= kConfChangeContextBytesMax);
    std::string out;
    out.reserve(10 + change.changes.size() * 9 + change.context.size());
    PutFixed(out, kConfChangeCodecVersion, 1);
    PutFixed(out, static_cast<uint8_t>(change.transition), 1);
    PutFixed(out, change.changes.size(), 4);
    for (const ConfChangeSingle& single : change.changes) {
        PutFixed(out, static_cast<uint8_t>(single.type), 1);
        PutFixed(out, single.node.value(), 8);
    }
    PutFixed(out, change.context.size(), 4);
    out.append(change.context);
    return out;
}

absl::StatusOr<ConfChange> DecodeConfChange(std::string_view bytes) {
    Reader reader(bytes);
    uint64_t version = 0;
    uint64_t transition = 0;
    uint64_t count = 0;
    if (!reader.GetFixed(1, version) || !reader.GetFixed(1, transition)
        || !reader.GetFixed(4, count)) {
        return Truncated();
    }
    if (version != kConfChangeCodecVersion) {
        return absl::InvalidArgumentError("conf change: unknown version");
    }
    if (transition > static_cast<uint8_t>(ConfChangeTransition::kJointExplicit)) {
        return absl::InvalidArgumentError("conf change: unknown transition");
    }
    if (count > kConfChangesMax) {
        return absl::InvalidArgumentError("conf change: too many changes");
    }
    ConfChange change;
    change.transition = static_cast<ConfChangeTransition>(transition);
    for (uint64_t i = 0; i < count; ++i) {
        uint64_t type = 0;
        uint64_t node = 0;
        if (!reader.GetFixed(1, type) || !reader.GetFixed(8, node)) {
            return Truncated();
        }
        if (type > static_cast<uint8_t>(ConfChangeType::kRemoveNode)) {
            return absl::InvalidArgumentError("conf change: unknown change type");
        }
        change.changes.push_back({.type = static_cast<ConfChangeType>(type), .node = NodeId(node)});
    }
    uint64_t context_len = 0;
    if (!reader.GetFixed(4, context_len)) {
        return Truncated();
    }
    if (context_len > kConfChangeContextBytesMax) {
        return absl::InvalidArgumentError("conf change: context too large");
    }
    if (!reader.GetBytes(context_len, change.context)) {
        return Truncated();
    }
    if (!reader.empty()) {
        return absl::InvalidArgumentError("conf change: trailing bytes");
    }
    return change;
}

}  // namespace keel::raft
