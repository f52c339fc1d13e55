// A linearizability checker for key-value histories (Herlihy & Wing 1990).
//
// The search is Wing & Gong's (1993) with Lowe's just-in-time linearization (2017), as
// Porcupine and Knossos do it: events sorted by time in a doubly linked list; at each step try
// to linearize a pending call whose model step accepts its recorded output, lifting the call
// and its return out of the list; on reaching a return whose call is not yet linearized, undo
// the last choice. A cache of (set of linearized operations, model state) prunes states already
// explored. The history is split by key first (see kv_model.h), which keeps each search small.
//
// Outcomes: a failed call is dropped (it did not take effect); an unknown one returns at
// infinity, so it may be linearized anywhere after its call, including after everything else,
// where it has no visible effect: it may or may not have happened.
//
// Pure: no I/O, no threads, no clock. The step budget bounds the run time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "check/history.h"
#include "check/kv_model.h"

namespace keel::check {

enum class Verdict : uint8_t {
    kLinearizable = 0,
    kNotLinearizable = 1,
    kGaveUp = 2,  // the step budget ran out before an answer
};

struct CheckOptions {
    // The most search steps per key before the checker gives up.
    uint64_t steps_per_key_max = 20'000'000;
    // The state every register starts in (the harness starts from an empty store).
    RegisterState initial_state;
};

struct CheckResult {
    Verdict verdict = Verdict::kLinearizable;
    // For kNotLinearizable and kGaveUp: the first such key, its operations (failed ones and
    // unknown gets removed), and the most of them the search linearized at once.
    std::string key;
    std::vector<Operation> ops;
    size_t linearized_max = 0;
    // For kNotLinearizable: the op (index into `ops`) whose return the deepest attempt could not
    // get past: no order of what came before explains it.
    int stuck_op = -1;
    uint64_t steps = 0;  // summed over all keys
    size_t keys = 0;
};

// Checks one register's history (every op on the same key).
CheckResult CheckRegister(const std::vector<Operation>& ops, const CheckOptions& options);

// Partitions `history` by key and checks each key; stops at the first key that is not
// linearizable (or on which the search gave up).
CheckResult CheckLinearizable(const History& history, const CheckOptions& options = {});

// A readable multi-line report of a non-linearizable result: the key, the stuck op and the ops
// that overlap it or just precede it (at most `ops_max`).
std::string Report(const CheckResult& result, size_t ops_max = 40);

}  // namespace keel::check
