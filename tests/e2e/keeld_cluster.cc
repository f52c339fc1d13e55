#include "e2e/keeld_cluster.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kPollInterval = 50ms;
constexpr int kEtcdctlTimeoutSeconds = 15;

// Single quotes for /bin/sh.
std::string ShellQuote(const std::string& s) {
    std::string out = "'";
    for (const char c : s) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

}  // namespace

KeeldCluster::KeeldCluster(KeeldClusterOptions options) : options_(options) {
    for (int i = 0; i < options_.size; ++i) {
        Member member{.name = options_.name_prefix + std::to_string(i + 1),
                      .client_port = PickFreePort(),
                      .peer_port = PickFreePort(),
                      .metrics_port = options_.metrics ? PickFreePort() : 0};
        initial_cluster_ += (i == 0 ? "" : ",") + member.name
                            + "=http://127.0.0.1:" + std::to_string(member.peer_port);
        members_.push_back(std::move(member));
    }
    for (int i = 0; options_.start == StartMembers::kNow && i < size(); ++i) {
        Start(i);
    }
}

KeeldCluster::~KeeldCluster() = default;

void KeeldCluster::Start(int i) {
    Member& m = members_.at(i);
    m.process.reset();  // reaps a previous incarnation
    std::vector<std::string> argv = {
        KEELD_PATH,
        "--name=" + m.name,
        "--data-dir=" + DataDir(i),
        "--listen-client-urls=http://127.0.0.1:" + std::to_string(m.client_port),
        "--listen-peer-urls=" + PeerUrl(i),
        "--initial-cluster=" + initial_cluster_,
        "--tick-ms=" + std::to_string(options_.tick_ms),
        "--election-ticks=" + std::to_string(options_.election_ticks)};
    if (m.joins) {
        argv[5] += "," + m.name + "=" + PeerUrl(i);
        argv.push_back("--initial-cluster-state=existing");
    }
    if (m.metrics_port != 0) {
        argv.push_back("--listen-metrics-urls=http://127.0.0.1:" + std::to_string(m.metrics_port));
    }
    argv.insert(argv.end(), options_.extra_flags.begin(), options_.extra_flags.end());
    m.process = std::make_unique<Process>(argv, dir_.path() + "/" + m.name + ".log");
}

int KeeldCluster::AddJoiningMember() {
    members_.push_back(Member{.name = options_.name_prefix + std::to_string(members_.size() + 1),
                              .client_port = PickFreePort(),
                              .peer_port = PickFreePort(),
                              .metrics_port = options_.metrics ? PickFreePort() : 0,
                              .joins = true});
    return size() - 1;
}

std::string KeeldCluster::PeerUrl(int i) const {
    return "http://127.0.0.1:" + std::to_string(members_.at(i).peer_port);
}

void KeeldCluster::Kill(int i) {
    if (members_.at(i).process != nullptr) {
        members_.at(i).process->Kill();
    }
}

bool KeeldCluster::Stop(int i, std::chrono::milliseconds timeout) {
    Process* process = members_.at(i).process.get();
    if (process == nullptr || !process->Running()) {
        return true;
    }
    ::kill(process->pid(), SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!process->Running()) {
            return true;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
    return false;
}

void KeeldCluster::Pause(int i) {
    if (members_.at(i).process != nullptr) {
        ::kill(members_.at(i).process->pid(), SIGSTOP);
    }
}

void KeeldCluster::Resume(int i) {
    if (members_.at(i).process != nullptr) {
        ::kill(members_.at(i).process->pid(), SIGCONT);
    }
}

bool KeeldCluster::Running(int i) {
    return members_.at(i).process != nullptr && members_.at(i).process->Running();
}

std::string KeeldCluster::ClientAddress(int i) const {
    return "127.0.0.1:" + std::to_string(members_.at(i).client_port);
}

std::string KeeldCluster::Endpoints() const {
    std::string out;
    for (int i = 0; i < size(); ++i) {
        out += (i == 0 ? "" : ",") + std::string("http://") + ClientAddress(i);
    }
    return out;
}

std::string KeeldCluster::DataDir(int i) const {
    return dir_.path() + "/" + members_.at(i).name;
}

std::string KeeldCluster::Log(int i) const {
    std::ifstream in(dir_.path() + "/" + members_.at(i).name + ".log");
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string KeeldCluster::Logs() const {
    std::string out;
    for (int i = 0; i < size(); ++i) {
        out += "---- " + members_.at(i).name + " ----\n" + Log(i);
    }
    return out;
}

std::optional<uint64_t> KeeldCluster::LeaderSeenBy(int i) {
    auto stub = etcdserverpb::Maintenance::NewStub(
        grpc::CreateChannel(ClientAddress(i), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 500ms);
    etcdserverpb::StatusResponse status;
    if (!stub->Status(&ctx, etcdserverpb::StatusRequest(), &status).ok()) {
        return std::nullopt;
    }
    return status.leader();
}

uint64_t KeeldCluster::MemberId(int i) {
    auto stub = etcdserverpb::Maintenance::NewStub(
        grpc::CreateChannel(ClientAddress(i), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 500ms);
    etcdserverpb::StatusResponse status;
    if (!stub->Status(&ctx, etcdserverpb::StatusRequest(), &status).ok()) {
        return 0;
    }
    return status.header().member_id();
}

std::optional<int> KeeldCluster::WaitForLeader(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        std::optional<uint64_t> agreed;
        bool all_agree = true;
        for (int i = 0; i < size() && all_agree; ++i) {
            if (!Running(i)) {
                continue;
            }
            const std::optional<uint64_t> seen = LeaderSeenBy(i);
            all_agree = seen.has_value() && *seen != 0 && (!agreed || *agreed == *seen);
            agreed = seen;
        }
        for (int i = 0; all_agree && agreed && i < size(); ++i) {
            if (Running(i) && MemberId(i) == *agreed) {
                return i;
            }
        }
        std::this_thread::sleep_for(kPollInterval);
    }
    return std::nullopt;
}

EtcdctlResult Etcdctl(const std::string& endpoints,
                      const std::string& args,
                      const std::string& stdin_text) {
    const std::string command =
        "printf '%s' " + ShellQuote(stdin_text) + " | ETCDCTL_API=3 timeout "
        + std::to_string(kEtcdctlTimeoutSeconds)
        + " etcdctl --dial-timeout=2s --command-timeout=5s --endpoints=" + endpoints + " " + args
        + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return EtcdctlResult{.exit_code = -1, .output = "popen failed"};
    }
    EtcdctlResult result;
    std::array<char, 4096> buffer{};
    size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.output.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

}  // namespace keel::testing
