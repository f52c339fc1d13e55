// keelctl snapshot restore end to end: a three-member keeld cluster takes writes over several
// revisions, a delete, a lease with a key and a compaction; `etcdctl snapshot save` backs it up;
// the cluster stops; keelctl restores the file into three new data directories of a new cluster
// (other names, other ports, a token), which starts and must hold exactly the saved state:
// values, revision, compaction point, lease, HashKV equal on every member and equal to
// `keelctl snapshot status`, only the new members, a new cluster id, and writes that continue
// the revision. Then the corrupt-file cases: a truncated file, a flipped bit, a non-empty
// target, each one error line, a non-zero exit and no data directory left behind.
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "e2e/keeld_cluster.h"

namespace keel::testing {
namespace {

struct CtlResult {
    int exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

std::string ShellQuote(const std::string& text) {
    std::string quoted = "'";
    for (const char ch : text) {
        quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    }
    return quoted + "'";
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// Runs keelctl (bounded by a 20 s `timeout`) with `args`; stderr goes to a file in `dir`.
CtlResult Keelctl(const std::string& dir, const std::string& args) {
    const std::string err_path = dir + "/keelctl.stderr";
    const std::string command =
        "timeout 20 " + std::string(KEELCTL_PATH) + " " + args + " 2>" + ShellQuote(err_path);
    CtlResult result;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) {
        return result;
    }
    std::array<char, 4096> buffer{};
    size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.out.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.err = ReadFile(err_path);
    return result;
}

// The first number after "<field>": in etcdctl's JSON output, or 0.
uint64_t JsonNumber(const std::string& json, const std::string& field) {
    std::smatch match;
    if (std::regex_search(json, match, std::regex("\"" + field + "\":([0-9]+)"))) {
        return std::stoull(match[1]);
    }
    return 0;
}

std::vector<std::string> AllMatches(const std::string& text, const std::string& pattern) {
    std::vector<std::string> found;
    const std::regex re(pattern);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it) {
        found.push_back((*it)[1]);
    }
    return found;
}

std::string Hex(uint64_t id) {
    char text[17];
    std::snprintf(text, sizeof(text), "%lx", static_cast<unsigned long>(id));
    return text;
}

std::string Put(const std::string& endpoints, const std::string& args) {
    const EtcdctlResult put = Etcdctl(endpoints, "put " + args);
    EXPECT_EQ(put.exit_code, 0) << put.output;
    return put.output;
}

std::string RestoreArgs(const std::string& file,
                        const KeeldCluster& cluster,
                        int i,
                        const std::string& data_dir) {
    return "snapshot restore " + file + " --name " + cluster.Name(i) + " --data-dir " + data_dir
           + " --initial-cluster " + cluster.InitialCluster()
           + " --initial-cluster-token restored-1 --initial-advertise-peer-urls "
           + cluster.PeerUrl(i);
}

// One error line on stderr, nothing on stdout, exit 1, and no directory (nor a staging one).
void ExpectRefused(const CtlResult& result, const std::string& data_dir, const std::string& why) {
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_NE(result.err.find(why), std::string::npos) << result.err;
    EXPECT_FALSE(std::filesystem::exists(data_dir + ".restoring"));
}

TEST(KeeldRestore, BackupRestoresIntoANewClusterWithTheSavedState) {
    TempDir scratch;
    const std::string file = scratch.path() + "/backup.db";
    uint64_t saved_revision = 0;
    uint64_t old_cluster_id = 0;
    std::string lease;
    std::set<std::string> old_ids;
    {
        KeeldCluster old;
        const std::optional<int> leader = old.WaitForLeader();
        ASSERT_TRUE(leader.has_value()) << old.Logs();
        const std::string ep = old.Endpoints();
        Put(ep, "a 1");                                // revision 2
        Put(ep, "b 2");                                // 3
        Put(ep, "a 3");                                // 4
        Put(ep, "c 4");                                // 5
        ASSERT_EQ(Etcdctl(ep, "del b").exit_code, 0);  // 6
        const EtcdctlResult grant = Etcdctl(ep, "lease grant 600");
        ASSERT_EQ(grant.exit_code, 0) << grant.output;
        std::smatch match;
        ASSERT_TRUE(std::regex_search(grant.output, match, std::regex("lease ([0-9a-f]+) granted")))
            << grant.output;
        lease = match[1];
        Put(ep, "leased x --lease=" + lease);  // 7
        Put(ep, "d 5");                        // 8
        const EtcdctlResult compacted = Etcdctl(ep, "compaction 4");
        ASSERT_EQ(compacted.exit_code, 0) << compacted.output;
        const EtcdctlResult get = Etcdctl(ep, "get a -w json");
        saved_revision = JsonNumber(get.output, "revision");
        old_cluster_id = JsonNumber(get.output, "cluster_id");
        ASSERT_EQ(saved_revision, 8U) << get.output;
        for (int i = 0; i < old.size(); ++i) {
            old_ids.insert(Hex(old.MemberId(i)));
        }
        const EtcdctlResult save =
            Etcdctl("http://" + old.ClientAddress(*leader), "snapshot save " + file);
        ASSERT_EQ(save.exit_code, 0) << save.output;
        for (int i = 0; i < old.size(); ++i) {
            EXPECT_TRUE(old.Stop(i));
        }
    }

    // What the file holds, before anything is restored.
    const CtlResult status = Keelctl(scratch.path(), "snapshot status " + file + " -w json");
    ASSERT_EQ(status.exit_code, 0) << status.err;
    EXPECT_EQ(JsonNumber(status.out, "revision"), saved_revision) << status.out;
    EXPECT_EQ(JsonNumber(status.out, "totalKey"), 4U) << status.out;  // a, c, leased, d
    EXPECT_GT(JsonNumber(status.out, "totalSize"), 0U) << status.out;
    const uint64_t status_hash = JsonNumber(status.out, "hash");
    const CtlResult table = Keelctl(scratch.path(), "snapshot status " + file + " -w table");
    EXPECT_NE(table.out.find("TOTAL KEYS"), std::string::npos) << table.out;

    KeeldCluster restored(KeeldClusterOptions{.name_prefix = "r", .start = StartMembers::kLater});
    for (int i = 0; i < restored.size(); ++i) {
        const CtlResult done =
            Keelctl(scratch.path(), RestoreArgs(file, restored, i, restored.DataDir(i)));
        ASSERT_EQ(done.exit_code, 0) << done.out << done.err;
        EXPECT_NE(done.out.find("revision 8"), std::string::npos) << done.out;
        restored.Start(i);
    }
    ASSERT_TRUE(restored.WaitForLeader().has_value()) << restored.Logs();
    const std::string ep = restored.Endpoints();

    // The keyspace, its revision and its compaction point.
    EXPECT_EQ(Etcdctl(ep, "get a --print-value-only").output, "3\n");
    EXPECT_EQ(Etcdctl(ep, "get c --print-value-only").output, "4\n");
    EXPECT_EQ(Etcdctl(ep, "get b").output, "");
    EXPECT_EQ(Etcdctl(ep, "get leased --print-value-only").output, "x\n");
    const EtcdctlResult get = Etcdctl(ep, "get a -w json");
    EXPECT_EQ(JsonNumber(get.output, "revision"), saved_revision) << get.output;
    EXPECT_NE(JsonNumber(get.output, "cluster_id"), old_cluster_id) << get.output;
    const EtcdctlResult old_rev = Etcdctl(ep, "get a --rev=3");
    EXPECT_NE(old_rev.exit_code, 0) << old_rev.output;
    EXPECT_NE(old_rev.output.find("compacted"), std::string::npos) << old_rev.output;
    EXPECT_EQ(Etcdctl(ep, "get a --rev=5 --print-value-only").output, "3\n");

    // Every member holds the same history, the one the file holds.
    const EtcdctlResult hashkv = Etcdctl(ep, "endpoint hashkv -w json");
    const std::vector<std::string> hashes = AllMatches(hashkv.output, "\"hash\":([0-9]+)");
    ASSERT_EQ(hashes.size(), 3U) << hashkv.output;
    for (const std::string& hash : hashes) {
        EXPECT_EQ(hash, std::to_string(status_hash)) << hashkv.output;
    }

    // Exactly the new members, with new ids.
    const EtcdctlResult members = Etcdctl(ep, "member list");
    ASSERT_EQ(members.exit_code, 0) << members.output;
    const std::vector<std::string> ids = AllMatches(members.output, "(?:^|\\n)([0-9a-f]+), ");
    EXPECT_EQ(ids.size(), 3U) << members.output;
    for (const std::string& id : ids) {
        EXPECT_EQ(old_ids.count(id), 0U) << id << " is an old member's id\n" << members.output;
    }
    for (int i = 0; i < restored.size(); ++i) {
        EXPECT_NE(members.output.find(", " + restored.Name(i) + ", " + restored.PeerUrl(i)),
                  std::string::npos)
            << members.output;
    }
    EXPECT_EQ(members.output.find(", m1, "), std::string::npos) << members.output;

    // The lease and its key.
    const EtcdctlResult ttl = Etcdctl(ep, "lease timetolive " + lease + " --keys");
    EXPECT_EQ(ttl.exit_code, 0) << ttl.output;
    EXPECT_NE(ttl.output.find("attached keys([leased])"), std::string::npos) << ttl.output;

    // New writes continue the revision.
    Put(ep, "e 6");
    const EtcdctlResult after = Etcdctl(ep, "get e -w json");
    EXPECT_EQ(JsonNumber(after.output, "mod_revision"), saved_revision + 1) << after.output;

    // Corrupt files and a used data directory: refused before anything is written.
    const std::string bytes = ReadFile(file);
    ASSERT_GT(bytes.size(), 1024U);
    const std::string truncated = scratch.path() + "/truncated.db";
    WriteFile(truncated, bytes.substr(0, bytes.size() - 700));
    const std::string target = scratch.path() + "/target";
    ExpectRefused(Keelctl(scratch.path(), RestoreArgs(truncated, restored, 0, target)),
                  target,
                  "truncated.db");
    EXPECT_FALSE(std::filesystem::exists(target));

    std::string flipped_bytes = bytes;
    flipped_bytes[bytes.size() / 2] ^= 0x10;
    const std::string flipped = scratch.path() + "/flipped.db";
    WriteFile(flipped, flipped_bytes);
    ExpectRefused(
        Keelctl(scratch.path(), RestoreArgs(flipped, restored, 0, target)), target, "SHA-256");
    EXPECT_FALSE(std::filesystem::exists(target));
    ExpectRefused(Keelctl(scratch.path(), "snapshot status " + flipped), target, "SHA-256");

    ExpectRefused(Keelctl(scratch.path(), RestoreArgs(file, restored, 0, restored.DataDir(0))),
                  restored.DataDir(0),
                  "is not empty");
}

}  // namespace
}  // namespace keel::testing
