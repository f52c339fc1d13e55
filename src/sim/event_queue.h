// EventQueue: the simulator's virtual clock and its discrete-event agenda.
//
// Time is virtual and measured in microseconds since the start of a run; it moves only when
// the simulator pops the next event, never by itself. Events scheduled for the same instant
// pop in the order they were pushed (a sequence number breaks ties), so a run is a pure
// function of its seed.
//
// Owned by the simulator; single-threaded.
//
// Invariant: now_us() never decreases, and no event is scheduled before now_us().
// Invariant: size() <= kEventsQueuedMax.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/assert.h"

namespace keel::sim {

// A run that queues more events than this is broken (a message storm), not merely busy.
inline constexpr size_t kEventsQueuedMax = 1 << 20;

template <typename Event>
class EventQueue {
public:
    uint64_t now_us() const { return now_us_; }

    bool empty() const { return heap_.empty(); }

    size_t size() const { return heap_.size(); }

    // Schedules `event` at absolute time `at_us`. Precondition: at_us >= now_us().
    void Push(uint64_t at_us, Event event) {
        KEEL_ASSERT_MSG(at_us >= now_us_, "event scheduled in the past: %d < %d", at_us, now_us_);
        KEEL_ASSERT_MSG(heap_.size() < kEventsQueuedMax, "event queue overflow");
        heap_.push_back(Item{at_us, next_sequence_++, std::move(event)});
        std::push_heap(heap_.begin(), heap_.end(), Later{});
    }

    // Schedules `event` `delay_us` from now.
    void PushAfter(uint64_t delay_us, Event event) { Push(now_us_ + delay_us, std::move(event)); }

    // The time of the next event. Precondition: !empty().
    uint64_t next_time_us() const {
        KEEL_ASSERT(!heap_.empty());
        return heap_.front().at_us;
    }

    // Removes the earliest event and advances the clock to its time. Precondition: !empty().
    Event Pop() {
        KEEL_ASSERT(!heap_.empty());
        std::pop_heap(heap_.begin(), heap_.end(), Later{});
        Item item = std::move(heap_.back());
        heap_.pop_back();
        KEEL_ASSERT(item.at_us >= now_us_);
        now_us_ = item.at_us;
        return std::move(item.event);
    }

private:
    struct Item {
        uint64_t at_us;
        uint64_t sequence;
        Event event;
    };

    // Orders the heap so that the earliest (time, sequence) is on top.
    struct Later {
        bool operator()(const Item& a, const Item& b) const {
            if (a.at_us != b.at_us) {
                return a.at_us > b.at_us;
            }
            return a.sequence > b.sequence;
        }
    };

    std::vector<Item> heap_;  // a binary heap under Later: the earliest item is at front()
    uint64_t now_us_ = 0;
    uint64_t next_sequence_ = 0;
};

}  // namespace keel::sim
