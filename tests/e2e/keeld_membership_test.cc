// keeld membership end to end: a three-member cluster of real processes, changed with the real
// etcdctl while a writer keeps writing. A fourth member is added as a learner, started empty
// (it joins and catches up from the leader), promoted, and given the leadership
// (move-leader); an original member is removed and exits. Every acknowledged write must be on
// every survivor at the end, and the membership must survive a restart.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "e2e/keeld_cluster.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;
namespace pb = etcdserverpb;

constexpr auto kRetryFor = 20s;
constexpr int kPreloadKeys = 1000;

std::string Hex(uint64_t id) {
    char buffer[17];
    std::snprintf(buffer, sizeof(buffer), "%llx", static_cast<unsigned long long>(id));
    return buffer;
}

std::unique_ptr<grpc::ClientContext> Context(std::chrono::milliseconds timeout) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    return context;
}

// Writes keys "w/<n>" in order through whichever of `addresses` answers, and remembers every
// write that was acknowledged. It touches nothing of the cluster object (the test thread
// changes that meanwhile).
class Writer {
public:
    explicit Writer(std::vector<std::string> addresses) : addresses_(std::move(addresses)) {
        thread_ = std::thread([this] { Run(); });
    }

    ~Writer() { Stop(); }

    void Stop() {
        stop_ = true;
        if (thread_.joinable()) {
            thread_.join();
        }
    }

    std::set<std::string> Acknowledged() {
        std::lock_guard lock(mu_);
        return acked_;
    }

private:
    void Run() {
        int next = 0;
        int target = 0;
        while (!stop_) {
            target = (target + 1) % static_cast<int>(addresses_.size());
            auto kv = pb::KV::NewStub(
                grpc::CreateChannel(addresses_[target], grpc::InsecureChannelCredentials()));
            for (int burst = 0; burst < 20 && !stop_; ++burst) {
                pb::PutRequest put;
                put.set_key("w/" + std::to_string(next));
                put.set_value(std::to_string(next));
                pb::PutResponse response;
                if (!kv->Put(Context(2s).get(), put, &response).ok()) {
                    std::this_thread::sleep_for(50ms);
                    break;  // try another member
                }
                std::lock_guard lock(mu_);
                acked_.insert(put.key());
                ++next;
            }
        }
    }

    const std::vector<std::string> addresses_;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::set<std::string> acked_;  // guarded by mu_
    std::thread thread_;
};

pb::StatusResponse StatusOf(KeeldCluster& cluster, int i) {
    auto stub = pb::Maintenance::NewStub(
        grpc::CreateChannel(cluster.ClientAddress(i), grpc::InsecureChannelCredentials()));
    pb::StatusResponse status;
    if (!stub->Status(Context(1s).get(), pb::StatusRequest(), &status).ok()) {
        return pb::StatusResponse();
    }
    return status;
}

// The keys under "w/" member i holds (a serializable read: its own state).
std::set<std::string> KeysOn(KeeldCluster& cluster, int i) {
    auto kv = pb::KV::NewStub(
        grpc::CreateChannel(cluster.ClientAddress(i), grpc::InsecureChannelCredentials()));
    pb::RangeRequest range;
    range.set_key("w/");
    range.set_range_end("w0");
    range.set_keys_only(true);
    range.set_serializable(true);
    pb::RangeResponse response;
    std::set<std::string> keys;
    if (kv->Range(Context(5s).get(), range, &response).ok()) {
        for (const auto& kv_pair : response.kvs()) {
            keys.insert(kv_pair.key());
        }
    }
    return keys;
}

// Retries an etcdctl command until it exits 0 (or kRetryFor passes); returns the last result.
EtcdctlResult EtcdctlUntilOk(const std::string& endpoints, const std::string& args) {
    const auto deadline = std::chrono::steady_clock::now() + kRetryFor;
    EtcdctlResult last;
    while (std::chrono::steady_clock::now() < deadline) {
        last = Etcdctl(endpoints, args);
        if (last.exit_code == 0) {
            break;
        }
        std::this_thread::sleep_for(200ms);
    }
    return last;
}

TEST(KeeldMembership, AddLearnerPromoteRemoveAndMoveLeaderUnderWrites) {
    KeeldCluster cluster;
    const std::optional<int> first_leader = cluster.WaitForLeader();
    ASSERT_TRUE(first_leader.has_value()) << cluster.Logs();
    const std::string original = cluster.Endpoints();

    // Preload, so that the new member has a log to catch up on.
    {
        auto kv = pb::KV::NewStub(grpc::CreateChannel(cluster.ClientAddress(*first_leader),
                                                      grpc::InsecureChannelCredentials()));
        for (int i = 0; i < kPreloadKeys; ++i) {
            pb::PutRequest put;
            put.set_key("p/" + std::to_string(i));
            put.set_value(std::string(100, 'v'));
            pb::PutResponse response;
            ASSERT_TRUE(kv->Put(Context(5s).get(), put, &response).ok());
        }
    }
    const int added = cluster.AddJoiningMember();
    std::vector<std::string> addresses;
    for (int i = 0; i < cluster.size(); ++i) {
        addresses.push_back(cluster.ClientAddress(i));
    }
    Writer writer(addresses);

    // 1. member add --learner: etcdctl prints the environment for the new member.
    const EtcdctlResult add = Etcdctl(
        original,
        "member add " + cluster.Name(added) + " --learner --peer-urls=" + cluster.PeerUrl(added));
    ASSERT_EQ(add.exit_code, 0) << add.output << cluster.Logs();
    EXPECT_NE(add.output.find("ETCD_INITIAL_CLUSTER_STATE=\"existing\""), std::string::npos)
        << add.output;
    std::smatch id_match;
    ASSERT_TRUE(std::regex_search(add.output, id_match, std::regex("Member +([0-9a-f]+) added")))
        << add.output;
    const std::string added_id = id_match[1];

    // 2. Start it empty; it joins and catches up from the leader.
    const auto join_start = std::chrono::steady_clock::now();
    cluster.Start(added);
    bool caught_up = false;
    while (std::chrono::steady_clock::now() - join_start < 30s) {
        const pb::StatusResponse mine = StatusOf(cluster, added);
        const pb::StatusResponse leaders = StatusOf(cluster, *first_leader);
        if (mine.raftappliedindex() > 0 && leaders.raftindex() > 0
            && mine.raftappliedindex() + 50 >= leaders.raftindex()) {
            caught_up = true;
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    const auto catch_up_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - join_start)
                                 .count();
    ASSERT_TRUE(caught_up) << cluster.Log(added);
    std::printf("new member caught up on %d+ keys in %lld ms (process start included)\n",
                kPreloadKeys,
                static_cast<long long>(catch_up_ms));
    EXPECT_EQ(StatusOf(cluster, added).header().member_id(), std::stoull(added_id, nullptr, 16));

    // 3. It published its name and client URLs; every member lists it as a learner.
    const std::string all = cluster.Endpoints();
    const std::string added_line = added_id + ", started, " + cluster.Name(added) + ", "
                                   + cluster.PeerUrl(added) + ", http://"
                                   + cluster.ClientAddress(added) + ", true";
    const auto list_deadline = std::chrono::steady_clock::now() + kRetryFor;
    EtcdctlResult list;
    while (std::chrono::steady_clock::now() < list_deadline) {
        list = Etcdctl("http://" + cluster.ClientAddress(0), "member list");
        if (list.output.find(added_line) != std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_NE(list.output.find(added_line), std::string::npos)
        << list.output << "\nwanted " << added_line;

    // 4. Promote it (retried: etcd refuses while the learner lags).
    const EtcdctlResult promote = EtcdctlUntilOk(all, "member promote " + added_id);
    ASSERT_EQ(promote.exit_code, 0) << promote.output << cluster.Logs();

    // 5. Remove an original member that is not the leader; it exits.
    const std::optional<int> leader = cluster.WaitForLeader();
    ASSERT_TRUE(leader.has_value()) << cluster.Logs();
    int removed = 0;
    while (removed == *leader) {
        ++removed;
    }
    const EtcdctlResult remove =
        EtcdctlUntilOk(all, "member remove " + Hex(cluster.MemberId(removed)));
    ASSERT_EQ(remove.exit_code, 0) << remove.output << cluster.Logs();
    const auto exit_deadline = std::chrono::steady_clock::now() + 10s;
    while (cluster.Running(removed) && std::chrono::steady_clock::now() < exit_deadline) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_FALSE(cluster.Running(removed)) << cluster.Log(removed);

    // 6. move-leader to the new member.
    const std::optional<int> before_move = cluster.WaitForLeader();
    ASSERT_TRUE(before_move.has_value()) << cluster.Logs();
    const EtcdctlResult move =
        Etcdctl("http://" + cluster.ClientAddress(*before_move), "move-leader " + added_id);
    EXPECT_EQ(move.exit_code, 0) << move.output << cluster.Logs();
    EXPECT_EQ(cluster.WaitForLeader(), added) << cluster.Logs();

    std::this_thread::sleep_for(500ms);  // a few more writes under the new leader
    writer.Stop();
    const std::set<std::string> acked = writer.Acknowledged();
    EXPECT_GT(acked.size(), 50u);
    std::printf("%zu writes acknowledged during the membership changes\n", acked.size());

    // 7. Every acknowledged write is on every survivor.
    for (int i = 0; i < cluster.size(); ++i) {
        if (i == removed) {
            continue;
        }
        std::set<std::string> keys;
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (true) {
            keys = KeysOn(cluster, i);
            if (keys.size() >= acked.size() || std::chrono::steady_clock::now() >= deadline) {
                break;
            }
            std::this_thread::sleep_for(100ms);
        }
        for (const std::string& key : acked) {
            ASSERT_TRUE(keys.count(key) > 0) << key << " missing on member " << i;
        }
    }

    // 8. The membership survives a restart of the new member.
    ASSERT_TRUE(cluster.Stop(added));
    cluster.Start(added);
    const auto restart_deadline = std::chrono::steady_clock::now() + kRetryFor;
    EtcdctlResult after;
    while (std::chrono::steady_clock::now() < restart_deadline) {
        after = Etcdctl("http://" + cluster.ClientAddress(added), "member list");
        if (after.exit_code == 0) {
            break;
        }
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_EQ(std::count(after.output.begin(), after.output.end(), '\n'), 3) << after.output;
    EXPECT_NE(after.output.find(cluster.Name(added) + ", "), std::string::npos) << after.output;
    EXPECT_EQ(after.output.find(", " + cluster.Name(removed) + ", "), std::string::npos)
        << after.output;
    EXPECT_NE(after.output.find(", false"), std::string::npos) << after.output;
}

}  // namespace
}  // namespace keel::testing
