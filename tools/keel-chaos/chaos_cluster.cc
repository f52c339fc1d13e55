#include "chaos_cluster.h"

#include <fstream>
#include <mutex>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include "base/assert.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::chaos {
namespace {

using namespace std::chrono_literals;

constexpr auto kStatusDeadline = 300ms;
constexpr auto kLeaderPoll = 50ms;

std::string Url(int port) {
    return "http://127.0.0.1:" + std::to_string(port);
}

std::optional<etcdserverpb::StatusResponse> StatusOf(const std::string& address) {
    auto stub = etcdserverpb::Maintenance::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kStatusDeadline);
    etcdserverpb::StatusResponse status;
    if (!stub->Status(&ctx, etcdserverpb::StatusRequest(), &status).ok()) {
        return std::nullopt;
    }
    return status;
}

}  // namespace

ChaosCluster::ChaosCluster(ChaosClusterOptions options) : options_(std::move(options)) {
    const int n = options_.size;
    bootstrap_size_ = n;
    for (int i = 0; i < n; ++i) {
        Member m{.name = "m" + std::to_string(i + 1),
                 .client_port = testing::PickFreePort(),
                 .peer_port = testing::PickFreePort()};
        initial_cluster_ += (i == 0 ? "" : ",") + m.name + "=" + Url(m.peer_port);
        members_.push_back(std::move(m));
    }
    if (has_proxies()) {
        for (int from = 0; from < n; ++from) {
            for (int to = 0; to < n; ++to) {
                if (from != to) {
                    links_[{from, to}] = std::make_unique<FaultProxy>(
                        members_[to].peer_port, options_.seed * 31 + from * n + to);
                }
            }
        }
    }
    PublishAddresses();
    for (int i = 0; i < n; ++i) {
        Start(i);
    }
}

ChaosCluster::~ChaosCluster() {
    for (int i = 0; i < size(); ++i) {
        Kill(i);
    }
}

std::vector<int> ChaosCluster::Current() const {
    std::vector<int> out;
    for (int i = 0; i < size(); ++i) {
        if (!members_[i].removed) {
            out.push_back(i);
        }
    }
    return out;
}

void ChaosCluster::PublishAddresses() {
    std::vector<std::string> addresses;
    for (const int i : Current()) {
        addresses.push_back(ClientAddress(i));
    }
    std::lock_guard lock(addresses_mu_);
    addresses_ = std::move(addresses);
}

std::vector<std::string> ChaosCluster::ClientAddresses() const {
    std::lock_guard lock(addresses_mu_);
    return addresses_;
}

int ChaosCluster::AddJoiningSlot() {
    KEEL_ASSERT(has_proxies());
    const int i = size();
    Member m{.name = "m" + std::to_string(i + 1),
             .client_port = testing::PickFreePort(),
             .peer_port = testing::PickFreePort(),
             .joins = true};
    m.inbound = std::make_unique<FaultProxy>(m.peer_port, options_.seed * 31 + 1000 + i);
    for (int to = 0; to < bootstrap_size_; ++to) {
        links_[{i, to}] = std::make_unique<FaultProxy>(members_[to].peer_port,
                                                       options_.seed * 31 + 1000 * i + to);
    }
    members_.push_back(std::move(m));
    PublishAddresses();
    return i;
}

std::string ChaosCluster::PeerUrl(int i) const {
    const Member& m = members_.at(i);
    return m.joins ? Url(m.inbound->port()) : Url(m.peer_port);
}

void ChaosCluster::MarkRemoved(int i) {
    Kill(i);
    members_.at(i).removed = true;
    PublishAddresses();
}

std::vector<std::string> ChaosCluster::KeeldArgs(int i) const {
    const Member& m = members_[i];
    std::string dial;
    for (int j = 0; j < bootstrap_size_; ++j) {
        if (j != i) {
            dial += (dial.empty() ? "" : ",") + members_[j].name
                    + "=127.0.0.1:" + std::to_string(links_.at({i, j})->port());
        }
    }
    std::vector<std::string> args = {options_.keeld_path,
                                     "--name=" + m.name,
                                     "--data-dir=" + dir_.path() + "/" + m.name,
                                     "--listen-client-urls=" + Url(m.client_port),
                                     "--listen-peer-urls=" + Url(m.peer_port),
                                     "--initial-cluster=" + initial_cluster_,
                                     "--debug-peer-dial=" + dial,
                                     "--debug-fsync-delay-file=" + DiskFaultFile(i),
                                     "--debug-peer-duplicate-file=" + DuplicateFile(i),
                                     "--tick-ms=" + std::to_string(options_.tick_ms),
                                     "--election-ticks=" + std::to_string(options_.election_ticks)};
    if (m.joins) {
        // The joiner is named with the URL it was added with (its inbound proxy) and listens
        // on its own port behind it.
        // It finds the cluster through the members it names: the bootstrap ones and those
        // that joined since (the bootstrap ones may all have been removed by now).
        for (const int j : Current()) {
            if (members_[j].joins && j != i) {
                args[5] += "," + members_[j].name + "=" + PeerUrl(j);
            }
        }
        args[5] += "," + m.name + "=" + PeerUrl(i);
        args.push_back("--initial-cluster-state=existing");
    }
    return args;
}

std::vector<std::string> ChaosCluster::EtcdArgs(int i) const {
    const Member& m = members_[i];
    return {"etcd",
            "--name=" + m.name,
            "--data-dir=" + dir_.path() + "/" + m.name,
            "--listen-client-urls=" + Url(m.client_port),
            "--advertise-client-urls=" + Url(m.client_port),
            "--listen-peer-urls=" + Url(m.peer_port),
            "--initial-advertise-peer-urls=" + Url(m.peer_port),
            "--initial-cluster=" + initial_cluster_,
            "--initial-cluster-state=new",
            "--heartbeat-interval=" + std::to_string(options_.tick_ms),
            "--election-timeout=" + std::to_string(options_.tick_ms * options_.election_ticks),
            "--log-level=error"};
}

void ChaosCluster::Start(int i) {
    Member& m = members_.at(i);
    KEEL_ASSERT(!m.removed);
    m.process.reset();  // reaps a previous incarnation
    m.paused = false;
    m.process = std::make_unique<testing::Process>(
        options_.flavor == Flavor::kKeeld ? KeeldArgs(i) : EtcdArgs(i),
        dir_.path() + "/" + m.name + ".log");
}

void ChaosCluster::Kill(int i) {
    Member& m = members_.at(i);
    if (m.process != nullptr) {
        m.process->Kill();
    }
    m.paused = false;
}

void ChaosCluster::Pause(int i) {
    Member& m = members_.at(i);
    if (m.process != nullptr && m.process->Running() && !m.paused) {
        ::kill(m.process->pid(), SIGSTOP);
        m.paused = true;
    }
}

void ChaosCluster::Resume(int i) {
    Member& m = members_.at(i);
    if (m.process != nullptr && m.paused) {
        ::kill(m.process->pid(), SIGCONT);
    }
    m.paused = false;
}

bool ChaosCluster::Running(int i) {
    return members_.at(i).process != nullptr && members_.at(i).process->Running();
}

FaultProxy& ChaosCluster::Link(int from, int to) {
    KEEL_ASSERT(has_proxies());
    KEEL_ASSERT(from != to);
    if (members_.at(to).joins) {
        return *members_[to].inbound;
    }
    return *links_.at({from, to});
}

void ChaosCluster::Isolate(int i, bool isolated) {
    for (const int j : Current()) {
        if (j != i) {
            Link(i, j).SetPartitioned(isolated);
            Link(j, i).SetPartitioned(isolated);
        }
    }
}

std::string ChaosCluster::DiskFaultFile(int i) const {
    return dir_.path() + "/" + members_.at(i).name + ".disk-fault";
}

void ChaosCluster::SetFsyncDelay(int i, int delay_ms) {
    std::ofstream(DiskFaultFile(i), std::ios::trunc) << delay_ms << "\n";
}

void ChaosCluster::FailDisk(int i) {
    std::ofstream(DiskFaultFile(i), std::ios::trunc) << "eio\n";
}

std::string ChaosCluster::DuplicateFile(int i) const {
    return dir_.path() + "/" + members_.at(i).name + ".duplicate";
}

void ChaosCluster::SetDuplicatePpm(int i, uint32_t ppm) {
    std::ofstream(DuplicateFile(i), std::ios::trunc) << ppm << "\n";
}

void ChaosCluster::HealAll() {
    for (int i = 0; i < size() && has_proxies(); ++i) {
        SetFsyncDelay(i, 0);
        SetDuplicatePpm(i, 0);
    }
    for (const auto& [link, proxy] : links_) {
        proxy->Heal();
    }
    for (const Member& m : members_) {
        if (m.inbound != nullptr) {
            m.inbound->Heal();
        }
    }
    for (const int i : Current()) {
        Resume(i);
        if (!Running(i)) {
            Start(i);
        }
    }
}

std::string ChaosCluster::ClientAddress(int i) const {
    return "127.0.0.1:" + std::to_string(members_.at(i).client_port);
}

std::string ChaosCluster::Log(int i) const {
    std::ifstream in(dir_.path() + "/" + members_.at(i).name + ".log");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::optional<int> ChaosCluster::Leader() {
    std::optional<uint64_t> agreed;
    const std::vector<int> current = Current();
    for (const int i : current) {
        if (members_[i].paused || !Running(i)) {
            continue;
        }
        const std::optional<etcdserverpb::StatusResponse> status = StatusOf(ClientAddress(i));
        if (!status.has_value() || status->leader() == 0) {
            return std::nullopt;
        }
        members_[i].id = status->header().member_id();
        if (agreed.has_value() && *agreed != status->leader()) {
            return std::nullopt;
        }
        agreed = status->leader();
    }
    for (const int i : current) {
        if (agreed.has_value() && members_[i].id == *agreed && Running(i) && !members_[i].paused) {
            return i;
        }
    }
    return std::nullopt;
}

std::optional<int> ChaosCluster::WaitForLeader(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (const std::optional<int> leader = Leader(); leader.has_value()) {
            return leader;
        }
        std::this_thread::sleep_for(kLeaderPoll);
    }
    return std::nullopt;
}

}  // namespace keel::chaos
