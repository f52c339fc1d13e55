#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace keel::base {

void AssertFail(const char* file, int line, const char* expr, const std::string& msg) {
    if (msg.empty()) {
        std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
    } else {
        std::fprintf(stderr, "%s:%d: assertion failed: %s: %s\n", file, line, expr, msg.c_str());
    }
    std::fflush(stderr);
    std::abort();
}

}  // namespace keel::base
