#include "member_change.h"

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <grpcpp/grpcpp.h>

#include "base/assert.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::chaos {
namespace {

using namespace std::chrono_literals;
namespace pb = etcdserverpb;

constexpr auto kCallDeadline = 2s;
constexpr auto kChangeDeadline = 20s;  // per change (add, promote, remove)
constexpr auto kRetryPause = 200ms;
constexpr auto kExitWait = 5s;
constexpr int kCallsMax = 200;  // per change, however quickly the calls fail

std::unique_ptr<grpc::ClientContext> Context() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    return ctx;
}

std::unique_ptr<pb::Cluster::Stub> ClusterStub(const std::string& address) {
    return pb::Cluster::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

// The members' client addresses to try, `avoid` (a member being removed) last.
std::vector<std::string> Targets(ChaosCluster& cluster, int avoid) {
    std::vector<std::string> out;
    for (const int i : cluster.Current()) {
        if (i != avoid && cluster.Running(i) && !cluster.Paused(i)) {
            out.push_back(cluster.ClientAddress(i));
        }
    }
    if (avoid >= 0 && !cluster.Removed(avoid)) {
        out.push_back(cluster.ClientAddress(avoid));
    }
    return out;
}

// The id of the member with `peer_url` in some member's MemberList, or nullopt.
std::optional<uint64_t> FindByPeerUrl(ChaosCluster& cluster, const std::string& peer_url) {
    for (const std::string& address : Targets(cluster, -1)) {
        pb::MemberListResponse list;
        if (!ClusterStub(address)
                 ->MemberList(Context().get(), pb::MemberListRequest(), &list)
                 .ok()) {
            continue;
        }
        for (const pb::Member& m : list.members()) {
            for (const std::string& url : m.peerurls()) {
                if (url == peer_url) {
                    return m.id();
                }
            }
        }
        return std::nullopt;  // one answer is enough: a member's list is the applied membership
    }
    return std::nullopt;
}

// Calls `call(stub)` through the members until it succeeds, `done(status)` says the change is
// in effect anyway, the deadline passes or the run stops. Returns the last error, or "" on
// success.
template <typename Call, typename Done>
std::string Retry(
    ChaosCluster& cluster, int avoid, const std::atomic<bool>& stopping, Call call, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + kChangeDeadline;
    std::string last = "no member to ask";
    for (int calls = 0; calls < kCallsMax && std::chrono::steady_clock::now() < deadline;) {
        if (stopping) {
            return calls == 0 ? "the run stopped first" : "stopped: " + last;
        }
        for (const std::string& address : Targets(cluster, avoid)) {
            ++calls;
            const grpc::Status status = call(*ClusterStub(address));
            if (status.ok() || done(status)) {
                return "";
            }
            last = absl::StrCat(address, ": ", status.error_message());
        }
        std::this_thread::sleep_for(kRetryPause);
    }
    return last;
}

std::string Seconds(std::chrono::steady_clock::time_point since) {
    return absl::StrFormat(
        "%.1f s", std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count());
}

// Adds a fresh member as a learner, starts it and promotes it. Returns the description.
std::string AddMember(ChaosCluster& cluster, const std::atomic<bool>& stopping) {
    const int slot = cluster.AddJoiningSlot();
    const std::string url = cluster.PeerUrl(slot);
    const std::string name = cluster.Name(slot);
    const auto start = std::chrono::steady_clock::now();
    uint64_t id = 0;
    const std::string add_error = Retry(
        cluster,
        slot,
        stopping,
        [&](pb::Cluster::Stub& stub) {
            pb::MemberAddRequest req;
            req.add_peerurls(url);
            req.set_islearner(true);
            pb::MemberAddResponse resp;
            const grpc::Status status = stub.MemberAdd(Context().get(), req, &resp);
            id = status.ok() ? resp.member().id() : 0;
            return status;
        },
        [&](const grpc::Status&) {
            // A timed-out attempt may have been applied: then the URL is taken, by us.
            const std::optional<uint64_t> found = FindByPeerUrl(cluster, url);
            id = found.value_or(0);
            return found.has_value();
        });
    if (!add_error.empty() || id == 0) {
        // Not a member (as far as any member could tell): the slot is never started.
        cluster.MarkRemoved(slot);
        return absl::StrCat("+", name, " failed (", add_error, ")");
    }
    cluster.SetMemberId(slot, id);
    cluster.Start(slot);
    const std::string promote_error = Retry(
        cluster,
        slot,
        stopping,
        [&](pb::Cluster::Stub& stub) {
            pb::MemberPromoteRequest req;
            req.set_id(id);
            pb::MemberPromoteResponse resp;
            return stub.MemberPromote(Context().get(), req, &resp);
        },
        [](const grpc::Status& status) {
            // A retry after an applied promotion: it is a voter already.
            return status.error_message() == "etcdserver: can only promote a learner member";
        });
    if (!promote_error.empty()) {
        return absl::StrCat("+", name, " (stays a learner: ", promote_error, ")");
    }
    return absl::StrCat("+", name, " (promoted after ", Seconds(start), ")");
}

std::string RemoveMember(ChaosCluster& cluster, int victim, const std::atomic<bool>& stopping) {
    const std::string name = cluster.Name(victim);
    std::optional<uint64_t> id = FindByPeerUrl(cluster, cluster.PeerUrl(victim));
    if (!id.has_value()) {
        return absl::StrCat("-", name, " not attempted (no member listed it)");
    }
    const std::string error = Retry(
        cluster,
        victim,
        stopping,
        [&](pb::Cluster::Stub& stub) {
            pb::MemberRemoveRequest req;
            req.set_id(*id);
            pb::MemberRemoveResponse resp;
            return stub.MemberRemove(Context().get(), req, &resp);
        },
        [](const grpc::Status& status) {
            return status.error_message() == "etcdserver: member not found";
        });
    if (!error.empty()) {
        return absl::StrCat("-", name, " failed (", error, ")");
    }
    // A removed keeld exits once it applies its removal; MarkRemoved kills it if it has not
    // (it may be partitioned or paused and never learn of it).
    const auto exit_deadline = std::chrono::steady_clock::now() + kExitWait;
    while (cluster.Running(victim) && !cluster.Paused(victim)
           && std::chrono::steady_clock::now() < exit_deadline) {
        std::this_thread::sleep_for(kRetryPause);
    }
    const bool exited = !cluster.Running(victim);
    cluster.MarkRemoved(victim);
    return absl::StrCat("-", name, exited ? " (exited)" : " (killed)");
}

}  // namespace

std::string ChangeMembers(ChaosCluster& cluster,
                          const MemberChangeOptions& options,
                          const std::atomic<bool>& stopping) {
    KEEL_ASSERT(!cluster.Removed(options.victim));
    if (options.order == MemberChangeOrder::kAddThenRemove) {
        const std::string added = AddMember(cluster, stopping);
        return added + ", " + RemoveMember(cluster, options.victim, stopping);
    }
    const std::string removed = RemoveMember(cluster, options.victim, stopping);
    return removed + ", " + AddMember(cluster, stopping);
}

}  // namespace keel::chaos
