// A child process started by a test, stopped by PID when the owner goes away.
//
// Tests never pkill or killall: every process a test starts is owned by one Process object,
// whose destructor sends SIGKILL to that PID and reaps it. Output goes to a log file so that a
// failing test can print it.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <sys/types.h>

namespace keel::testing {

class Process {
public:
    // Starts `argv[0]` (looked up in PATH) with `argv`, stdout and stderr appended to `log_path`.
    // Aborts the test binary if fork or exec fails (a broken test environment, not a result).
    Process(const std::vector<std::string>& argv, const std::string& log_path);
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }

    // True while the child has not exited.
    bool Running();
    // SIGKILL and reap. Idempotent.
    void Kill();
    // The log file's contents (for failure messages).
    std::string Log() const;

private:
    pid_t pid_ = -1;
    std::string log_path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago, for a server started later.
//
// It is chosen below the kernel's ephemeral range (ip_local_port_range), never from it: a port
// handed out by bind(0) can be handed out again to an outgoing connection or to another
// bind(0) (our fault proxies) while its server is not yet listening or is down for a restart,
// and the server then cannot start or, worse, a proxy ends up forwarding to itself. The start
// of the search is random, so concurrent test processes rarely try the same ports.
int PickFreePort();

// Polls `addr` ("127.0.0.1:port") until a TCP connect succeeds or `timeout` passes.
bool WaitForPort(int port, std::chrono::milliseconds timeout);

// A fresh directory under /tmp, removed (recursively) by the destructor.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace keel::testing
