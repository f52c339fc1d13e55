#include "e2e/etcd_process.h"

#include <cstdlib>
#include <vector>

namespace keel::testing {

EtcdProcess::EtcdProcess() : client_port_(PickFreePort()), peer_port_(PickFreePort()) {
    const std::string client = "http://127.0.0.1:" + std::to_string(client_port_);
    const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
    process_ =
        std::make_unique<Process>(std::vector<std::string>{"etcd",
                                                           "--name=conformance",
                                                           "--data-dir=" + dir_.path() + "/data",
                                                           "--listen-client-urls=" + client,
                                                           "--advertise-client-urls=" + client,
                                                           "--listen-peer-urls=" + peer,
                                                           "--initial-advertise-peer-urls=" + peer,
                                                           "--initial-cluster=conformance=" + peer,
                                                           "--log-level=error"},
                                  dir_.path() + "/etcd.log");
}

bool EtcdProcess::Installed() {
    return std::system("command -v etcd >/dev/null 2>&1") == 0;
}

}  // namespace keel::testing
