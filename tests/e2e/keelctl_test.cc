// keelctl end to end against a three-member keeld cluster: the everyday verbs, -w json,
// --exactly-once writes, keel's session commands, and one-line errors with a non-zero exit.
#include <array>
#include <cstdio>
#include <memory>
#include <string>

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
    std::string text;
    if (FILE* f = std::fopen(path.c_str(), "r")) {
        std::array<char, 4096> buffer{};
        size_t n = 0;
        while ((n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0) {
            text.append(buffer.data(), n);
        }
        std::fclose(f);
    }
    return text;
}

class KeelctlTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        cluster_ = new KeeldCluster();
        ASSERT_TRUE(cluster_->WaitForLeader().has_value()) << cluster_->Logs();
    }

    static void TearDownTestSuite() {
        delete cluster_;
        cluster_ = nullptr;
    }

    // Runs keelctl (bounded by a 20 s `timeout`) with `args`, after the cluster's endpoints.
    static CtlResult Keelctl(const std::string& args, const std::string& stdin_text = "") {
        const std::string err_path = dir_.path() + "/stderr";
        const std::string command = "printf '%s' " + ShellQuote(stdin_text) + " | timeout 20 "
                                    + KEELCTL_PATH + " --endpoints=" + cluster_->Endpoints() + " "
                                    + args + " 2>" + err_path;
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

    static KeeldCluster* cluster_;
    static TempDir dir_;
};

KeeldCluster* KeelctlTest::cluster_ = nullptr;
TempDir KeelctlTest::dir_;

TEST_F(KeelctlTest, PutGetDelInSimpleAndJson) {
    CtlResult put = Keelctl("put greeting hello");
    ASSERT_EQ(put.exit_code, 0) << put.err;
    EXPECT_EQ(put.out, "OK\n");
    CtlResult get = Keelctl("get greeting");
    EXPECT_EQ(get.out, "greeting\nhello\n");
    // etcdctl's JSON: keys and values in base64 ("greeting" -> Z3JlZXRpbmc=, "hello" -> aGVsbG8=).
    CtlResult json = Keelctl("get greeting -w json");
    ASSERT_EQ(json.exit_code, 0) << json.err;
    EXPECT_NE(json.out.find("\"key\":\"Z3JlZXRpbmc=\""), std::string::npos) << json.out;
    EXPECT_NE(json.out.find("\"value\":\"aGVsbG8=\""), std::string::npos) << json.out;
    EXPECT_NE(json.out.find("\"count\":1"), std::string::npos) << json.out;
    ASSERT_EQ(Keelctl("put greeting/a 1").exit_code, 0);
    EXPECT_EQ(Keelctl("get greeting --prefix --keys-only").out, "greeting\ngreeting/a\n");
    EXPECT_EQ(Keelctl("get greeting --prefix --limit=1 --keys-only").out, "greeting\n");
    CtlResult del = Keelctl("del greeting --prefix");
    EXPECT_EQ(del.out, "2\n");
    EXPECT_EQ(Keelctl("get greeting --prefix").out, "");
}

TEST_F(KeelctlTest, ExactlyOncePutRunsInItsOwnSession) {
    CtlResult put = Keelctl("put once v --exactly-once");
    ASSERT_EQ(put.exit_code, 0) << put.err;
    EXPECT_EQ(put.out, "OK\n");
    CtlResult json = Keelctl("get once -w json");
    EXPECT_NE(json.out.find("\"version\":1"), std::string::npos) << json.out;
}

TEST_F(KeelctlTest, SessionRegisterKeepAliveClose) {
    CtlResult registered = Keelctl("session register --ttl=10s");
    ASSERT_EQ(registered.exit_code, 0) << registered.err;
    const std::string id = registered.out.substr(0, registered.out.find('\n'));
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(Keelctl("session keepalive " + id).out, "session " + id + " kept alive\n");
    EXPECT_EQ(Keelctl("session close " + id).out, "session " + id + " closed\n");
    CtlResult gone = Keelctl("session keepalive " + id);
    EXPECT_EQ(gone.exit_code, 1);
    EXPECT_EQ(gone.err, "Error: keel: session expired or unknown\n");
}

TEST_F(KeelctlTest, TxnFromStdin) {
    ASSERT_EQ(Keelctl("put t 1").exit_code, 0);
    CtlResult txn = Keelctl("txn", "value(\"t\") = \"1\"\n\nput t 2\n\nget t\n");
    ASSERT_EQ(txn.exit_code, 0) << txn.err;
    EXPECT_EQ(txn.out, "SUCCESS\n\nOK\n");
    EXPECT_EQ(Keelctl("get t").out, "t\n2\n");
    CtlResult bad = Keelctl("txn", "nonsense\n");
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_EQ(bad.err.rfind("Error: txn:", 0), 0u) << bad.err;
}

TEST_F(KeelctlTest, LeaseAndLockAndCluster) {
    CtlResult grant = Keelctl("lease grant 30");
    ASSERT_EQ(grant.exit_code, 0) << grant.err;
    const std::string id = grant.out.substr(6, grant.out.find(' ', 6) - 6);  // "lease <id> ..."
    ASSERT_EQ(Keelctl("put leased v --lease=" + id).exit_code, 0);
    EXPECT_NE(Keelctl("lease timetolive " + id + " --keys").out.find("attached keys(leased)"),
              std::string::npos);
    EXPECT_EQ(Keelctl("lease revoke " + id).out, "lease " + id + " revoked\n");
    EXPECT_EQ(Keelctl("get leased").out, "");
    CtlResult lock = Keelctl("lock job --hold=100ms");
    ASSERT_EQ(lock.exit_code, 0) << lock.err;
    EXPECT_EQ(lock.out.rfind("job/", 0), 0u) << lock.out;
    EXPECT_NE(lock.out.find("fencing token "), std::string::npos) << lock.out;
    CtlResult members = Keelctl("member list");
    EXPECT_EQ(std::count(members.out.begin(), members.out.end(), '\n'), 3) << members.out;
    CtlResult status = Keelctl("endpoint status -w json");
    ASSERT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find("\"raftTerm\""), std::string::npos);
}

TEST_F(KeelctlTest, ErrorsAreOneLineAndNonZero) {
    const int port = PickFreePort();
    CtlResult unreachable =
        Keelctl("get k --endpoints=127.0.0.1:" + std::to_string(port) + " --command-timeout=1s");
    EXPECT_EQ(unreachable.exit_code, 1);
    EXPECT_EQ(std::count(unreachable.err.begin(), unreachable.err.end(), '\n'), 1)
        << unreachable.err;
    EXPECT_EQ(unreachable.err.rfind("Error: keel: get got no answer within", 0), 0u)
        << unreachable.err;
    CtlResult empty_key = Keelctl("put '' v");
    EXPECT_EQ(empty_key.exit_code, 1);
    EXPECT_EQ(empty_key.err, "Error: etcdserver: key is not provided\n");
    CtlResult bad_flag = Keelctl("get k -w yaml");
    EXPECT_NE(bad_flag.exit_code, 0);
    EXPECT_EQ(bad_flag.err.rfind("Error:", 0), 0u) << bad_flag.err;
}

}  // namespace
}  // namespace keel::testing
