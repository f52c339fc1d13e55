// keeld snapshots end to end: a three-member cluster with a small --snapshot-count compacts
// its logs (the WAL stays bounded), a member stopped while many writes land catches up by a
// snapshot when it returns (its log says so, and HashKV agrees with the others), and a member
// restarts from its own compacted WAL. Also etcdctl's `endpoint hashkv`, `defrag` and
// `snapshot save` against the cluster.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "e2e/keeld_cluster.h"
#include "e2e/process.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kSegmentBytes = 4 * 1024 * 1024;
constexpr int kWriters = 8;
constexpr int kKeys = 6000;
constexpr size_t kValueBytes = 2048;

KeeldClusterOptions SnapshottingCluster() {
    return KeeldClusterOptions{
        .extra_flags = {"--snapshot-count=500",
                        "--snapshot-catchup-entries=100",
                        "--wal-segment-bytes=" + std::to_string(kSegmentBytes)}};
}

uint64_t DirBytes(const std::string& dir) {
    uint64_t bytes = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, error)) {
        if (entry.is_regular_file(error)) {
            bytes += entry.file_size(error);
        }
    }
    return bytes;
}

class KeeldSnapshotTest : public ::testing::Test {
protected:
    void SetUp() override {
        leader_ = cluster_.WaitForLeader();
        ASSERT_TRUE(leader_.has_value()) << cluster_.Logs();
    }

    std::unique_ptr<etcdserverpb::KV::Stub> Kv(int i) {
        return etcdserverpb::KV::NewStub(
            grpc::CreateChannel(cluster_.ClientAddress(i), grpc::InsecureChannelCredentials()));
    }

    std::unique_ptr<etcdserverpb::Maintenance::Stub> Maintenance(int i) {
        return etcdserverpb::Maintenance::NewStub(
            grpc::CreateChannel(cluster_.ClientAddress(i), grpc::InsecureChannelCredentials()));
    }

    // Writes keys [0, count) through the running members, kWriters at a time, while sampling
    // the running members' WAL sizes; returns the largest WAL seen.
    uint64_t WriteMany(const std::vector<int>& members,
                       const std::string& prefix,
                       int count = kKeys,
                       size_t value_bytes = kValueBytes) {
        std::atomic<int> next{0};
        std::atomic<int> failures{0};
        std::atomic<bool> done{false};
        std::vector<std::thread> writers;
        for (int w = 0; w < kWriters; ++w) {
            writers.emplace_back([&, w] {
                auto kv = Kv(members[w % members.size()]);
                // Incompressible values, so that sizes measure data, not RocksDB's compression.
                std::mt19937_64 rng(w);
                std::string value(value_bytes, '\0');
                for (int k = next++; k < count; k = next++) {
                    for (char& c : value) {
                        c = static_cast<char>(rng());
                    }
                    etcdserverpb::PutRequest put;
                    put.set_key(prefix + std::to_string(k));
                    put.set_value(value);
                    etcdserverpb::PutResponse response;
                    bool ok = false;
                    for (int attempt = 0; attempt < 20 && !ok; ++attempt) {
                        grpc::ClientContext ctx;
                        ctx.set_deadline(std::chrono::system_clock::now() + 5s);
                        ok = kv->Put(&ctx, put, &response).ok();
                    }
                    if (!ok) {
                        failures++;
                    }
                }
            });
        }
        uint64_t wal_bytes_max = 0;
        std::thread sampler([&] {
            while (!done) {
                for (const int i : members) {
                    wal_bytes_max = std::max(wal_bytes_max, DirBytes(cluster_.DataDir(i) + "/wal"));
                }
                std::this_thread::sleep_for(100ms);
            }
        });
        for (std::thread& writer : writers) {
            writer.join();
        }
        done = true;
        sampler.join();
        EXPECT_EQ(failures.load(), 0);
        return wal_bytes_max;
    }

    std::optional<etcdserverpb::HashKVResponse> HashKv(int i, int64_t revision) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + 2s);
        etcdserverpb::HashKVRequest request;
        request.set_revision(revision);
        etcdserverpb::HashKVResponse response;
        if (!Maintenance(i)->HashKV(&ctx, request, &response).ok()) {
            return std::nullopt;
        }
        return response;
    }

    int64_t CurrentRevision(int i) {
        auto hash = HashKv(i, 0);
        return hash.has_value() ? hash->header().revision() : 0;
    }

    // Waits until every member's HashKV at `revision` equals member `reference`'s.
    ::testing::AssertionResult HashesAgree(int reference, int64_t revision) {
        const auto want = HashKv(reference, revision);
        if (!want.has_value()) {
            return ::testing::AssertionFailure() << "no HashKV from member " << reference;
        }
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        for (int i = 0; i < cluster_.size(); ++i) {
            std::optional<etcdserverpb::HashKVResponse> got;
            while (std::chrono::steady_clock::now() < deadline) {
                got = HashKv(i, revision);
                if (got.has_value() && got->hash() == want->hash()) {
                    break;
                }
                std::this_thread::sleep_for(100ms);
            }
            if (!got.has_value() || got->hash() != want->hash()) {
                return ::testing::AssertionFailure()
                       << "member " << i << " HashKV at " << revision << " is "
                       << (got.has_value() ? std::to_string(got->hash()) : "unavailable")
                       << ", member " << reference << " has " << want->hash();
            }
        }
        return ::testing::AssertionSuccess();
    }

    bool WaitForLog(int i, const std::string& text, std::chrono::seconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (cluster_.Log(i).find(text) != std::string::npos) {
                return true;
            }
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }

    KeeldCluster cluster_{SnapshottingCluster()};
    std::optional<int> leader_;
};

TEST_F(KeeldSnapshotTest, LaggingMemberCatchesUpBySnapshotAndWalStaysBounded) {
    const int lagging = (*leader_ + 1) % 3;
    const int other = (*leader_ + 2) % 3;
    ASSERT_TRUE(cluster_.Stop(lagging));
    const auto started = std::chrono::steady_clock::now();
    const uint64_t wal_bytes_max = WriteMany({*leader_, other}, "key-");
    const auto wrote_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    // ~12 MiB of entries went through the log; without compaction the WAL would hold them
    // all (3 full segments and the active one). With it the log keeps 100 to 600 entries
    // (~1.2 MiB): the active segment and the one before it, which the next cut releases.
    EXPECT_LE(wal_bytes_max, 2 * kSegmentBytes + kSegmentBytes / 2);
    std::printf("wrote %d x %zu B in %lld ms; largest WAL %llu bytes\n",
                kKeys,
                kValueBytes,
                static_cast<long long>(wrote_ms.count()),
                static_cast<unsigned long long>(wal_bytes_max));

    cluster_.Start(lagging);
    ASSERT_TRUE(WaitForLog(lagging, "installed snapshot", 40s)) << cluster_.Log(lagging);
    const int64_t revision = CurrentRevision(*leader_);
    ASSERT_GE(revision, kKeys + 1);
    EXPECT_TRUE(HashesAgree(*leader_, revision)) << cluster_.Logs();
    const std::string leader_log = cluster_.Log(*leader_);
    EXPECT_NE(leader_log.find("sending snapshot at index"), std::string::npos);
    // The measurements, for docs/benchmarks.md.
    std::smatch match;
    const std::string lagging_log = cluster_.Log(lagging);
    if (std::regex_search(leader_log, match, std::regex("[^\n]*sending snapshot at index[^\n]*"))) {
        std::printf("leader: %s\n", match.str().c_str());
    }
    if (std::regex_search(leader_log, match, std::regex("[^\n]*snapshot transfer to[^\n]*"))) {
        std::printf("leader: %s\n", match.str().c_str());
    }
    if (std::regex_search(lagging_log, match, std::regex("[^\n]*received snapshot[^\n]*"))) {
        std::printf("follower: %s\n", match.str().c_str());
    }
    if (std::regex_search(lagging_log, match, std::regex("[^\n]*installed snapshot[^\n]*"))) {
        std::printf("follower: %s\n", match.str().c_str());
    }

    // A member restarts from its own compacted WAL (a snapshot marker, then the log).
    ASSERT_TRUE(cluster_.Stop(other));
    cluster_.Start(other);
    ASSERT_TRUE(WaitForLog(other, "recovered: WAL holds entries", 20s)) << cluster_.Log(other);
    EXPECT_TRUE(HashesAgree(*leader_, revision)) << cluster_.Logs();
    // And the cluster keeps taking writes, on every member alike.
    const EtcdctlResult put = Etcdctl(cluster_.Endpoints(), "put after restart");
    EXPECT_EQ(put.output, "OK\n");
    EXPECT_TRUE(HashesAgree(*leader_, revision + 1)) << cluster_.Logs();
}

TEST_F(KeeldSnapshotTest, WatchersOnAMemberThatInstallsASnapshotMissNothing) {
    const int paused = (*leader_ + 1) % 3;
    const int other = (*leader_ + 2) % 3;
    // A watcher connected to the member before it falls behind.
    TempDir dir;
    Process watch({"etcdctl",
                   "--endpoints=http://" + cluster_.ClientAddress(paused),
                   "watch",
                   "--prefix",
                   "w-"},
                  dir.path() + "/watch.log");
    std::this_thread::sleep_for(1s);
    ASSERT_TRUE(watch.Running());
    // Frozen with its connections open while the others cut their logs far past it.
    cluster_.Pause(paused);
    constexpr int kWatched = 1500;
    WriteMany({*leader_, other}, "w-", kWatched, 16);
    cluster_.Resume(paused);
    ASSERT_TRUE(WaitForLog(paused, "installed snapshot", 40s)) << cluster_.Logs();
    // Every put reaches the watcher exactly once, read from the installed store's history.
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    int puts = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream in(dir.path() + "/watch.log");
        const std::string log(std::istreambuf_iterator<char>(in), {});
        puts = 0;
        for (size_t at = log.find("PUT\n"); at != std::string::npos;
             at = log.find("PUT\n", at + 1)) {
            ++puts;
        }
        if (puts >= kWatched) {
            break;
        }
        std::this_thread::sleep_for(200ms);
    }
    EXPECT_EQ(puts, kWatched) << cluster_.Log(paused);
    watch.Kill();
}

TEST_F(KeeldSnapshotTest, EtcdctlHashkvDefragAndSnapshotSave) {
    ASSERT_EQ(Etcdctl(cluster_.Endpoints(), "put k v").exit_code, 0);
    ASSERT_TRUE(HashesAgree(*leader_, 2));
    const EtcdctlResult hashkv = Etcdctl(cluster_.Endpoints(), "endpoint hashkv -w json");
    ASSERT_EQ(hashkv.exit_code, 0) << hashkv.output;
    // One hash per member, all equal.
    std::regex hash_field("\"hash\":([0-9]+)");
    std::vector<std::string> hashes;
    for (auto it = std::sregex_iterator(hashkv.output.begin(), hashkv.output.end(), hash_field);
         it != std::sregex_iterator();
         ++it) {
        hashes.push_back((*it)[1]);
    }
    ASSERT_EQ(hashes.size(), 3U) << hashkv.output;
    EXPECT_EQ(hashes[0], hashes[1]);
    EXPECT_EQ(hashes[0], hashes[2]);

    const EtcdctlResult defrag = Etcdctl(cluster_.Endpoints(), "defrag");
    EXPECT_EQ(defrag.exit_code, 0) << defrag.output;
    EXPECT_NE(defrag.output.find("Finished defragmenting etcd member"), std::string::npos)
        << defrag.output;

    const std::string file = cluster_.DataDir(0) + "/../backup.db";
    const EtcdctlResult save =
        Etcdctl("http://" + cluster_.ClientAddress(*leader_), "snapshot save " + file);
    EXPECT_EQ(save.exit_code, 0) << save.output;
    EXPECT_NE(save.output.find("Snapshot saved at"), std::string::npos) << save.output;
    // keel's backup is a checkpoint archive, padded and sealed with a SHA-256 the way etcd's
    // stream ends (server/backup_file.h); a bbolt reader refuses it.
    EXPECT_GT(std::filesystem::file_size(file), 32U);
    EXPECT_EQ(std::filesystem::file_size(file) % 512, 32U);
    const EtcdctlResult status = Etcdctl(cluster_.Endpoints(), "snapshot status " + file);
    EXPECT_NE(status.exit_code, 0) << status.output;
}

}  // namespace
}  // namespace keel::testing
