#include "check/linearizability.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <utility>

#include <absl/container/flat_hash_set.h>
#include <absl/strings/str_cat.h>

#include "base/assert.h"

namespace keel::check {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int kNone = -1;

// One call or return event in the doubly linked list (indexes into Search::entries_; 0 is the
// head sentinel).
struct Entry {
    bool is_call = false;
    int op = kNone;
    int64_t time_ns = 0;
    int match = kNone;  // a call's return entry
    int prev = kNone;
    int next = kNone;
};

using Bitset = std::vector<uint64_t>;

// The search over one key's operations.
// Invariant: an op's bit is set in linearized_ iff its call entry is lifted out of the list.
class Search {
public:
    Search(std::vector<Operation> ops, const CheckOptions& options)
        : ops_(std::move(ops)), options_(options), linearized_((ops_.size() + 63) / 64, 0) {
        BuildList();
    }

    CheckResult Run();

private:
    struct Choice {
        int call = kNone;
        RegisterState state_before;
    };

    void BuildList();
    void Lift(int call);
    void Unlift(int call);

    void SetBit(int op, bool on) {
        const uint64_t mask = uint64_t{1} << (op % 64);
        linearized_[op / 64] = on ? (linearized_[op / 64] | mask) : (linearized_[op / 64] & ~mask);
    }

    std::vector<Operation> ops_;
    const CheckOptions& options_;
    std::vector<Entry> entries_;
    Bitset linearized_;
};

void Search::BuildList() {
    entries_.push_back(Entry{});  // the head sentinel
    for (int i = 0; i < static_cast<int>(ops_.size()); ++i) {
        const Operation& op = ops_[i];
        const int64_t return_ns = op.outcome == Outcome::kUnknown ? kNever : op.return_ns;
        KEEL_ASSERT_MSG(op.call_ns <= return_ns, "op %d returns before its call", i);
        entries_.push_back(Entry{.is_call = true, .op = i, .time_ns = op.call_ns});
        entries_.push_back(Entry{.is_call = false, .op = i, .time_ns = return_ns});
        entries_[entries_.size() - 2].match = static_cast<int>(entries_.size() - 1);
    }
    std::vector<int> order(entries_.size() - 1);
    for (size_t i = 0; i < order.size(); ++i) {
        order[i] = static_cast<int>(i + 1);
    }
    // By time; at equal times calls first, so that touching operations count as concurrent
    // (the lenient reading: the clock cannot order them).
    std::stable_sort(order.begin(), order.end(), [this](int a, int b) {
        if (entries_[a].time_ns != entries_[b].time_ns) {
            return entries_[a].time_ns < entries_[b].time_ns;
        }
        return entries_[a].is_call && !entries_[b].is_call;
    });
    int prev = 0;
    for (const int e : order) {
        entries_[prev].next = e;
        entries_[e].prev = prev;
        prev = e;
    }
    entries_[prev].next = kNone;
}

void Search::Lift(int call) {
    Entry& c = entries_[call];
    entries_[c.prev].next = c.next;
    if (c.next != kNone) {
        entries_[c.next].prev = c.prev;
    }
    Entry& r = entries_[c.match];
    entries_[r.prev].next = r.next;
    if (r.next != kNone) {
        entries_[r.next].prev = r.prev;
    }
}

void Search::Unlift(int call) {
    // The reverse of Lift: the return first, then the call.
    Entry& r = entries_[entries_[call].match];
    entries_[r.prev].next = entries_[call].match;
    if (r.next != kNone) {
        entries_[r.next].prev = entries_[call].match;
    }
    Entry& c = entries_[call];
    entries_[c.prev].next = call;
    if (c.next != kNone) {
        entries_[c.next].prev = call;
    }
}

CheckResult Search::Run() {
    CheckResult result;
    absl::flat_hash_set<std::pair<Bitset, RegisterState>> cache;
    std::vector<Choice> stack;
    RegisterState state = options_.initial_state;
    int entry = entries_[0].next;
    while (entries_[0].next != kNone) {
        if (++result.steps > options_.steps_per_key_max) {
            result.verdict = Verdict::kGaveUp;
            return result;
        }
        KEEL_ASSERT(entry != kNone);  // the list ends with a return, which never advances
        const Entry& e = entries_[entry];
        if (e.is_call) {
            std::optional<RegisterState> next = StepRegister(state, ops_[e.op]);
            if (next.has_value()) {
                SetBit(e.op, true);
                if (cache.emplace(linearized_, *next).second) {
                    stack.push_back(Choice{.call = entry, .state_before = std::move(state)});
                    state = *std::move(next);
                    Lift(entry);
                    result.linearized_max = std::max(result.linearized_max, stack.size());
                    entry = entries_[0].next;
                    continue;
                }
                SetBit(e.op, false);
            }
            entry = e.next;
            continue;
        }
        // A return whose call is still pending: nothing linearized so far can be extended
        // past it, so undo the latest choice and try the next candidate after it.
        if (stack.size() == result.linearized_max) {
            result.stuck_op = e.op;
        }
        if (stack.empty()) {
            result.verdict = Verdict::kNotLinearizable;
            return result;
        }
        Choice top = std::move(stack.back());
        stack.pop_back();
        state = std::move(top.state_before);
        SetBit(entries_[top.call].op, false);
        Unlift(top.call);
        entry = entries_[top.call].next;
    }
    KEEL_ASSERT(stack.size() == ops_.size());
    result.verdict = Verdict::kLinearizable;
    return result;
}

// Failed ops never took effect, and an unknown get constrains nothing.
std::vector<Operation> Relevant(const std::vector<Operation>& ops) {
    std::vector<Operation> out;
    for (const Operation& op : ops) {
        if (op.outcome == Outcome::kFail) {
            continue;
        }
        if (op.outcome == Outcome::kUnknown && op.kind == OpKind::kGet) {
            continue;
        }
        out.push_back(op);
    }
    return out;
}

}  // namespace

CheckResult CheckRegister(const std::vector<Operation>& ops, const CheckOptions& options) {
    std::vector<Operation> relevant = Relevant(ops);
    for (const Operation& op : relevant) {
        KEEL_ASSERT(op.key == relevant.front().key);
    }
    Search search(relevant, options);
    CheckResult result = search.Run();
    result.keys = 1;
    if (result.verdict != Verdict::kLinearizable) {
        result.key = relevant.empty() ? std::string() : relevant.front().key;
        result.ops = std::move(relevant);
    }
    return result;
}

CheckResult CheckLinearizable(const History& history, const CheckOptions& options) {
    std::map<std::string, std::vector<Operation>> by_key;
    for (const Operation& op : history) {
        by_key[op.key].push_back(op);
    }
    CheckResult total;
    for (const auto& [key, ops] : by_key) {
        CheckResult one = CheckRegister(ops, options);
        total.steps += one.steps;
        ++total.keys;
        if (one.verdict != Verdict::kLinearizable) {
            one.steps = total.steps;
            one.keys = total.keys;
            return one;
        }
    }
    return total;
}

std::string Report(const CheckResult& result, size_t ops_max) {
    if (result.verdict == Verdict::kLinearizable) {
        return absl::StrCat("linearizable (", result.keys, " keys, ", result.steps, " steps)");
    }
    std::string out =
        absl::StrCat(result.verdict == Verdict::kGaveUp ? "gave up on" : "NOT linearizable:",
                     " key ",
                     result.key,
                     " (",
                     result.ops.size(),
                     " ops; at most ",
                     result.linearized_max,
                     " linearized at once)\n");
    std::vector<Operation> ops = result.ops;
    std::optional<Operation> stuck;
    if (result.stuck_op >= 0) {
        stuck = ops[result.stuck_op];
        absl::StrAppend(&out, "  stuck at: ", Describe(*stuck), "\n");
        // Only what could matter: ops invoked before the stuck one returned.
        std::erase_if(ops, [&](const Operation& op) { return op.call_ns > stuck->return_ns; });
    }
    std::stable_sort(ops.begin(), ops.end(), [](const Operation& a, const Operation& b) {
        return a.call_ns < b.call_ns;
    });
    const size_t first = ops.size() > ops_max ? ops.size() - ops_max : 0;
    if (first > 0) {
        absl::StrAppend(&out, "  ... ", first, " earlier ops\n");
    }
    for (size_t i = first; i < ops.size(); ++i) {
        absl::StrAppend(&out, "  ", Describe(ops[i]), "\n");
    }
    return out;
}

}  // namespace keel::check
