// A single-member etcd on loopback, in its own temp dir, killed by PID when destroyed. The
// reference implementation the conformance tests compare keel against (Debian's etcd-server).
#pragma once

#include <memory>
#include <string>

#include "e2e/process.h"

namespace keel::testing {

class EtcdProcess {
public:
    EtcdProcess();

    // "127.0.0.1:port" of the client listener.
    std::string target() const { return "127.0.0.1:" + std::to_string(client_port_); }

    int port() const { return client_port_; }

    std::string Log() const { return process_->Log(); }

    // True if an `etcd` binary is on the PATH.
    static bool Installed();

private:
    TempDir dir_;
    int client_port_;
    int peer_port_;
    std::unique_ptr<Process> process_;
};

}  // namespace keel::testing
