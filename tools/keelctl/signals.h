// How keelctl's long-running commands (watch, lease keep-alive, lock) wait: until SIGINT or
// SIGTERM, RequestStop, or a condition polled every 100 ms.
#pragma once

#include <functional>

namespace keel::ctl {

// Installs the SIGINT/SIGTERM handlers (once) and blocks until a signal, RequestStop, or
// `done()` returns true.
void WaitForStop(const std::function<bool()>& done);

// Makes WaitForStop return (callable from any thread).
void RequestStop();

}  // namespace keel::ctl
