#include "keelctl/txn_parser.h"

#include <gtest/gtest.h>

namespace keel::ctl {
namespace {

namespace pb = ::etcdserverpb;

TEST(KeelctlTxnParser, ComparesThenSuccessThenFailure) {
    absl::StatusOr<client::Txn> txn = ParseTxn(
        "value(\"k\") = \"v 1\"\n"
        "mod(\"k\") < \"10\"\n"
        "\n"
        "put k \"new value\"\n"
        "del a z\n"
        "\n"
        "get k\n");
    ASSERT_TRUE(txn.ok()) << txn.status();
    const pb::TxnRequest& request = txn->request();
    ASSERT_EQ(request.compare_size(), 2);
    EXPECT_EQ(request.compare(0).target(), pb::Compare::VALUE);
    EXPECT_EQ(request.compare(0).value(), "v 1");
    EXPECT_EQ(request.compare(1).target(), pb::Compare::MOD);
    EXPECT_EQ(request.compare(1).result(), pb::Compare::LESS);
    EXPECT_EQ(request.compare(1).mod_revision(), 10);
    ASSERT_EQ(request.success_size(), 2);
    EXPECT_EQ(request.success(0).request_put().value(), "new value");
    EXPECT_EQ(request.success(1).request_delete_range().range_end(), "z");
    ASSERT_EQ(request.failure_size(), 1);
    EXPECT_EQ(request.failure(0).request_range().key(), "k");
}

TEST(KeelctlTxnParser, NoComparesMeansTheSuccessBranchRuns) {
    absl::StatusOr<client::Txn> txn = ParseTxn("\nput k v\n");
    ASSERT_TRUE(txn.ok()) << txn.status();
    EXPECT_EQ(txn->request().compare_size(), 0);
    EXPECT_EQ(txn->request().success_size(), 1);
}

TEST(KeelctlTxnParser, LeaseIdsAreHex) {
    absl::StatusOr<client::Txn> txn = ParseTxn("lease(\"k\") = \"ff\"\n");
    ASSERT_TRUE(txn.ok()) << txn.status();
    EXPECT_EQ(txn->request().compare(0).lease(), 255);
}

TEST(KeelctlTxnParser, MalformedLinesNameThemselves) {
    for (const char* bad : {"value(k) = v\n",
                            "size(\"k\") = \"1\"\n",
                            "version(\"k\") ~ \"1\"\n",
                            "version(\"k\") = \"one\"\n",
                            "\nput k\n",
                            "\nfrobnicate k\n"}) {
        absl::StatusOr<client::Txn> txn = ParseTxn(bad);
        ASSERT_FALSE(txn.ok()) << bad;
        EXPECT_EQ(txn.status().code(), absl::StatusCode::kInvalidArgument);
        EXPECT_EQ(txn.status().message().rfind("txn: ", 0), 0u) << txn.status();
    }
}

}  // namespace
}  // namespace keel::ctl
