// The little-endian integers and length-prefixed byte strings of the simulator's snapshot
// images (StateMachine::Encode, SessionState::Encode). Header-only helpers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace keel::sim {

inline void PutU64(std::string* out, uint64_t value) {
    for (int i = 0; i < 8; ++i) {
        out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    }
}

inline void PutBytes(std::string* out, std::string_view bytes) {
    PutU64(out, bytes.size());
    out->append(bytes);
}

// Reads an image front to back; every read fails (returns false) on a short buffer.
class ImageReader {
public:
    explicit ImageReader(std::string_view bytes) : bytes_(bytes) {}

    bool U64(uint64_t* value) {
        if (bytes_.size() < 8) {
            return false;
        }
        *value = 0;
        for (int i = 0; i < 8; ++i) {
            *value |= uint64_t{static_cast<unsigned char>(bytes_[i])} << (8 * i);
        }
        bytes_.remove_prefix(8);
        return true;
    }

    bool Bytes(size_t length, std::string* out) {
        if (bytes_.size() < length) {
            return false;
        }
        out->assign(bytes_.substr(0, length));
        bytes_.remove_prefix(length);
        return true;
    }

    // A length-prefixed byte string of at most `max` bytes.
    bool LengthPrefixed(size_t max, std::string* out) {
        uint64_t length = 0;
        return U64(&length) && length <= max && Bytes(length, out);
    }

    std::string_view rest() const { return bytes_; }

    bool done() const { return bytes_.empty(); }

private:
    std::string_view bytes_;
};

}  // namespace keel::sim
