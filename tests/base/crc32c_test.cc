#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace keel::base {
namespace {

TEST(Crc32c, StandardCheckValue) {
    // The catalogued check value of CRC-32C over "123456789".
    EXPECT_EQ(Crc32c("123456789"), 0xe3069283U);
    EXPECT_EQ(Crc32c(""), 0U);
}

TEST(Crc32c, Rfc3720Vectors) {
    // iSCSI (RFC 3720 B.4): 32 bytes of zeros and of 0xff.
    EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8a9136aaU);
    EXPECT_EQ(Crc32c(std::string(32, '\xff')), 0x62a8ab43U);
}

TEST(Crc32c, ExtendEqualsWhole) {
    const std::string a = "hello, ";
    const std::string b = "world";
    EXPECT_EQ(Crc32c(b, Crc32c(a)), Crc32c(a + b));
}

TEST(Crc32c, MaskRoundTripsAndDiffers) {
    const uint32_t crc = Crc32c("foo");
    EXPECT_NE(MaskCrc(crc), crc);
    EXPECT_EQ(UnmaskCrc(MaskCrc(crc)), crc);
}

TEST(Crc32c, SingleBitFlipIsDetected) {
    std::string data(4096, 'x');
    const uint32_t before = Crc32c(data);
    data[1234] ^= 0x10;
    EXPECT_NE(Crc32c(data), before);
}

}  // namespace
}  // namespace keel::base
