#include "keelctl/signals.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

namespace keel::ctl {
namespace {

std::atomic<bool> stop_requested{false};

extern "C" void OnSignal(int /*signal*/) {
    stop_requested = true;
}

}  // namespace

void RequestStop() {
    stop_requested = true;
}

void WaitForStop(const std::function<bool()>& done) {
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    while (!stop_requested && !done()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

}  // namespace keel::ctl
