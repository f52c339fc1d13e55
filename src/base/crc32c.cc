#include "base/crc32c.h"

#include <isa-l/crc.h>

namespace keel::base {

uint32_t Crc32c(std::string_view data, uint32_t crc) {
    // crc32_iscsi takes and returns the raw (non-inverted) register; CRC32C's convention
    // inverts on the way in and out. Its length is an int, so feed it in bounded chunks.
    constexpr size_t kChunkBytesMax = size_t{1} << 30;
    uint32_t raw = ~crc;
    while (!data.empty()) {
        const size_t n = data.size() < kChunkBytesMax ? data.size() : kChunkBytesMax;
        raw = crc32_iscsi(reinterpret_cast<unsigned char*>(const_cast<char*>(data.data())),
                          static_cast<int>(n),
                          raw);
        data.remove_prefix(n);
    }
    return ~raw;
}

}  // namespace keel::base
