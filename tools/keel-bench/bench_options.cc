#include "keel-bench/bench_options.h"

#include "base/assert.h"

namespace keel::bench {

const char* WorkloadName(Workload workload) {
    switch (workload) {
        case Workload::kPut:
            return "put";
        case Workload::kRange:
            return "range";
        case Workload::kTxn:
            return "txn";
        case Workload::kMixed:
            return "mixed";
        case Workload::kWatch:
            return "watch";
    }
    KEEL_UNREACHABLE();
}

}  // namespace keel::bench
