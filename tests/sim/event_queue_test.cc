#include "sim/event_queue.h"

#include <string>

#include <gtest/gtest.h>

namespace keel::sim {
namespace {

TEST(EventQueue, PopsInTimeOrderAndAdvancesTheClock) {
    EventQueue<std::string> queue;
    queue.Push(30, "c");
    queue.Push(10, "a");
    queue.Push(20, "b");
    EXPECT_EQ(queue.next_time_us(), 10u);
    EXPECT_EQ(queue.Pop(), "a");
    EXPECT_EQ(queue.now_us(), 10u);
    queue.PushAfter(5, "a2");
    EXPECT_EQ(queue.Pop(), "a2");
    EXPECT_EQ(queue.now_us(), 15u);
    EXPECT_EQ(queue.Pop(), "b");
    EXPECT_EQ(queue.Pop(), "c");
    EXPECT_TRUE(queue.empty());
}

TEST(EventQueue, SimultaneousEventsPopInPushOrder) {
    EventQueue<int> queue;
    for (int i = 0; i < 100; ++i) {
        queue.Push(7, i);
    }
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(queue.Pop(), i);
    }
}

TEST(EventQueueDeathTest, SchedulingInThePastAborts) {
    EventQueue<int> queue;
    queue.Push(10, 1);
    (void)queue.Pop();
    EXPECT_DEATH(queue.Push(9, 2), "in the past");
}

}  // namespace
}  // namespace keel::sim
