// CRC32C (Castagnoli), the checksum on every WAL record, snapshot chunk and peer message.
// Hardware-accelerated through Intel ISA-L (crc32_iscsi), which picks SSE4.2/PCLMUL at run
// time. Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace keel::base {

// Returns the CRC32C of `data` continued from `crc` (0 for a fresh checksum).
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

// Masked form for storing a CRC next to data that may itself contain CRCs (LevelDB's trick):
// a CRC of a string that embeds its own CRC is otherwise prone to degenerate values.
constexpr uint32_t kCrcMaskDelta = 0xa282ead8U;

constexpr uint32_t MaskCrc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta; }

constexpr uint32_t UnmaskCrc(uint32_t masked) {
    const uint32_t rot = masked - kCrcMaskDelta;
    return (rot >> 17) | (rot << 15);
}

}  // namespace keel::base
