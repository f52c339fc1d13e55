// Little-endian fixed-width encoding for keel's on-disk formats (docs/storage-format.md).
//
// Encoding appends to a std::string. Decoding reads through a Decoder that never reads past
// its input: every Get* returns false on a short input and leaves the decoder failed, so a
// corrupt length can never make a reader overrun its buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace keel::storage {

inline void PutFixed8(std::string* out, uint8_t value) {
    out->push_back(static_cast<char>(value));
}

inline void PutFixed32(std::string* out, uint32_t value) {
    char bytes[4];
    for (int i = 0; i < 4; ++i) {
        bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    }
    out->append(bytes, sizeof(bytes));
}

inline void PutFixed64(std::string* out, uint64_t value) {
    char bytes[8];
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
    }
    out->append(bytes, sizeof(bytes));
}

inline uint32_t DecodeFixed32(const char* p) {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
        value |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    }
    return value;
}

inline uint64_t DecodeFixed64(const char* p) {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
        value |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    }
    return value;
}

// Reads fixed-width fields from the front of a byte string.
// Invariant: once a read fails, ok() stays false and every later read fails.
class Decoder {
public:
    explicit Decoder(std::string_view input) : input_(input) {}

    bool GetFixed8(uint8_t* value) {
        if (!Need(1)) {
            return false;
        }
        *value = static_cast<uint8_t>(input_[0]);
        input_.remove_prefix(1);
        return true;
    }

    bool GetFixed32(uint32_t* value) {
        if (!Need(4)) {
            return false;
        }
        *value = DecodeFixed32(input_.data());
        input_.remove_prefix(4);
        return true;
    }

    bool GetFixed64(uint64_t* value) {
        if (!Need(8)) {
            return false;
        }
        *value = DecodeFixed64(input_.data());
        input_.remove_prefix(8);
        return true;
    }

    // The unread rest of the input.
    std::string_view rest() const { return input_; }

    bool ok() const { return ok_; }

private:
    bool Need(size_t size) {
        if (!ok_ || input_.size() < size) {
            ok_ = false;
            return false;
        }
        return true;
    }

    std::string_view input_;
    bool ok_ = true;
};

}  // namespace keel::storage
