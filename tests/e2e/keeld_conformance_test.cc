// etcd's KV and Lease semantics, checked on keeld and on a real etcd with the same test bodies.
//
// Each case runs twice: against etcd 3.4 (Debian's etcd-server), which pins the expectation to
// what etcd really does, and against a three-member keeld cluster, which must match it. The
// services keeld does not serve yet are checked on etcd alone in etcd_conformance_test.cc.
// Watches are checked here too: the watcher talks to a follower, which serves it from its own
// applied state.
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "e2e/etcd_process.h"
#include "e2e/keeld_cluster.h"
#include "e2e/process.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/mvccpb/kv.pb.h"
#include "etcd/v3electionpb/v3election.grpc.pb.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"

namespace keel::testing {
namespace {

using namespace std::chrono_literals;
namespace pb = etcdserverpb;

constexpr auto kStartupTimeout = 20s;
constexpr auto kRpcTimeout = 5s;

// A server under test: something that answers etcd's KV API at target().
class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string target() const = 0;
    virtual int port() const = 0;
    virtual std::string Log() const = 0;
};

class EtcdBackend final : public Backend {
public:
    std::string target() const override { return etcd_.target(); }

    int port() const override { return etcd_.port(); }

    std::string Log() const override { return etcd_.Log(); }

private:
    EtcdProcess etcd_;
};

// Talks to a follower on purpose: every write then also crosses the forwarding path.
class KeeldBackend final : public Backend {
public:
    KeeldBackend() {
        const std::optional<int> leader = cluster_.WaitForLeader();
        follower_ = leader.has_value() ? (*leader + 1) % cluster_.size() : 0;
    }

    std::string target() const override { return cluster_.ClientAddress(follower_); }

    int port() const override {
        const std::string address = target();
        return std::stoi(address.substr(address.rfind(':') + 1));
    }

    std::string Log() const override { return cluster_.Logs(); }

private:
    KeeldCluster cluster_;
    int follower_ = 0;
};

enum class Server {
    kEtcd,
    kKeeld,
};

std::string ServerName(const ::testing::TestParamInfo<Server>& info) {
    return info.param == Server::kEtcd ? "etcd" : "keeld";
}

class KvConformance : public ::testing::TestWithParam<Server> {
protected:
    void SetUp() override {
        if (GetParam() == Server::kEtcd) {
            if (!EtcdProcess::Installed()) {
                GTEST_SKIP() << "etcd is not installed: run scripts/setup.sh";
            }
            backend_ = std::make_unique<EtcdBackend>();
        } else {
            backend_ = std::make_unique<KeeldBackend>();
        }
        // Connect only once the port listens: a refused first attempt would put the channel
        // into gRPC's reconnect backoff (seconds).
        ASSERT_TRUE(WaitForPort(backend_->port(), kStartupTimeout)) << backend_->Log();
        channel_ = grpc::CreateChannel(backend_->target(), grpc::InsecureChannelCredentials());
        kv_ = pb::KV::NewStub(channel_);
        // Ready means a linearizable read succeeds (a leader exists and has committed).
        const auto deadline = std::chrono::steady_clock::now() + kStartupTimeout;
        while (std::chrono::steady_clock::now() < deadline) {
            pb::RangeRequest probe;
            probe.set_key("probe");
            pb::RangeResponse ignored;
            auto ctx = Context(1s);
            if (kv_->Range(ctx.get(), probe, &ignored).ok()) {
                return;
            }
            std::this_thread::sleep_for(50ms);
        }
        GTEST_FAIL() << "server did not become ready; log:\n" << backend_->Log();
    }

    static std::unique_ptr<grpc::ClientContext> Context(
        std::chrono::seconds timeout = kRpcTimeout) {
        auto ctx = std::make_unique<grpc::ClientContext>();
        ctx->set_deadline(std::chrono::system_clock::now() + timeout);
        return ctx;
    }

    pb::PutResponse Put(const std::string& key, const std::string& value) {
        pb::PutRequest req;
        req.set_key(key);
        req.set_value(value);
        req.set_prev_kv(true);
        pb::PutResponse resp;
        const grpc::Status s = kv_->Put(Context().get(), req, &resp);
        EXPECT_TRUE(s.ok()) << s.error_message();
        return resp;
    }

    // A lease to hold locks and candidacies with, or 0 (none) while the server has no Lease
    // service (etcd then makes a session lease of its own; keeld writes the key without one).
    int64_t LeaseOrNone() {
        auto lease = pb::Lease::NewStub(channel_);
        pb::LeaseGrantRequest grant;
        grant.set_ttl(60);
        pb::LeaseGrantResponse granted;
        const grpc::Status s = lease->LeaseGrant(Context().get(), grant, &granted);
        if (s.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
            return 0;
        }
        EXPECT_TRUE(s.ok()) << s.error_message();
        return granted.id();
    }

    void Delete(const std::string& key) {
        pb::DeleteRangeRequest del;
        del.set_key(key);
        pb::DeleteRangeResponse deleted;
        const grpc::Status s = kv_->DeleteRange(Context().get(), del, &deleted);
        EXPECT_TRUE(s.ok()) << s.error_message();
    }

    // Opens a Watch stream, creates one watcher and checks that it was created.
    struct WatchStream {
        std::unique_ptr<grpc::ClientContext> ctx;
        std::unique_ptr<pb::Watch::Stub> stub;
        std::unique_ptr<grpc::ClientReaderWriter<pb::WatchRequest, pb::WatchResponse>> rw;

        WatchStream() = default;
        WatchStream(WatchStream&&) = default;
        WatchStream& operator=(WatchStream&&) = delete;

        ~WatchStream() {
            if (ctx != nullptr) {
                ctx->TryCancel();
            }
        }
    };

    WatchStream Watch(const pb::WatchCreateRequest& create, pb::WatchResponse* created) {
        // A linearizable read first: the member serving the watch has then applied every write
        // acknowledged before, so a watch "from now" does not see them as new.
        pb::RangeRequest sync;
        sync.set_key("sync");
        pb::RangeResponse ignored;
        EXPECT_TRUE(kv_->Range(Context().get(), sync, &ignored).ok());
        WatchStream w;
        w.ctx = Context(std::chrono::seconds(20));
        w.stub = pb::Watch::NewStub(channel_);
        w.rw = w.stub->Watch(w.ctx.get());
        pb::WatchRequest req;
        *req.mutable_create_request() = create;
        EXPECT_TRUE(w.rw->Write(req));
        EXPECT_TRUE(w.rw->Read(created));
        EXPECT_TRUE(created->created());
        return w;
    }

    // Reads responses until `count` events arrived (or the stream ends); returns the events.
    static std::vector<mvccpb::Event> ReadEvents(WatchStream& w, size_t count) {
        std::vector<mvccpb::Event> events;
        pb::WatchResponse resp;
        while (events.size() < count && w.rw->Read(&resp)) {
            EXPECT_FALSE(resp.canceled()) << resp.cancel_reason();
            for (const mvccpb::Event& e : resp.events()) {
                events.push_back(e);
            }
        }
        return events;
    }

    std::unique_ptr<Backend> backend_;
    std::shared_ptr<grpc::Channel> channel_;
    std::unique_ptr<pb::KV::Stub> kv_;
};

TEST_P(KvConformance, PutThenRangeReportsRevisionsAndVersion) {
    const pb::PutResponse first = Put("a", "1");
    EXPECT_FALSE(first.has_prev_kv());
    const int64_t created = first.header().revision();
    EXPECT_GT(created, 1);
    EXPECT_NE(first.header().cluster_id(), 0u);
    EXPECT_NE(first.header().member_id(), 0u);
    EXPECT_GT(first.header().raft_term(), 0u);
    const pb::PutResponse second = Put("a", "2");
    ASSERT_TRUE(second.has_prev_kv());
    EXPECT_EQ(second.prev_kv().value(), "1");
    EXPECT_EQ(second.header().revision(), created + 1);

    pb::RangeRequest req;
    req.set_key("a");
    pb::RangeResponse resp;
    ASSERT_TRUE(kv_->Range(Context().get(), req, &resp).ok());
    ASSERT_EQ(resp.kvs_size(), 1);
    EXPECT_EQ(resp.kvs(0).value(), "2");
    EXPECT_EQ(resp.kvs(0).create_revision(), created);
    EXPECT_EQ(resp.kvs(0).mod_revision(), created + 1);
    EXPECT_EQ(resp.kvs(0).version(), 2);
    EXPECT_EQ(resp.count(), 1);
    EXPECT_EQ(resp.header().revision(), created + 1);

    req.set_revision(created);
    req.set_serializable(true);
    ASSERT_TRUE(kv_->Range(Context().get(), req, &resp).ok());
    ASSERT_EQ(resp.kvs_size(), 1);
    EXPECT_EQ(resp.kvs(0).value(), "1");
}

TEST_P(KvConformance, PrefixRangeWithLimitSortAndCount) {
    for (const char* k : {"p/c", "p/a", "p/b"}) {
        Put(k, k);
    }
    pb::RangeRequest req;
    req.set_key("p/");
    req.set_range_end("p0");
    req.set_limit(2);
    req.set_sort_order(pb::RangeRequest::DESCEND);
    req.set_sort_target(pb::RangeRequest::KEY);
    pb::RangeResponse resp;
    ASSERT_TRUE(kv_->Range(Context().get(), req, &resp).ok());
    ASSERT_EQ(resp.kvs_size(), 2);
    EXPECT_EQ(resp.kvs(0).key(), "p/c");
    EXPECT_EQ(resp.kvs(1).key(), "p/b");
    EXPECT_TRUE(resp.more());
    EXPECT_EQ(resp.count(), 3);

    req.set_count_only(true);
    ASSERT_TRUE(kv_->Range(Context().get(), req, &resp).ok());
    EXPECT_EQ(resp.kvs_size(), 0);
    EXPECT_EQ(resp.count(), 3);
}

TEST_P(KvConformance, TxnCompareAndSwapTakesTheRightBranch) {
    Put("k", "old");
    pb::TxnRequest txn;
    pb::Compare* cmp = txn.add_compare();
    cmp->set_key("k");
    cmp->set_target(pb::Compare::VALUE);
    cmp->set_result(pb::Compare::EQUAL);
    cmp->set_value("old");
    pb::PutRequest* put = txn.add_success()->mutable_request_put();
    put->set_key("k");
    put->set_value("new");
    txn.add_failure()->mutable_request_range()->set_key("k");
    pb::TxnResponse resp;
    ASSERT_TRUE(kv_->Txn(Context().get(), txn, &resp).ok());
    EXPECT_TRUE(resp.succeeded());
    ASSERT_EQ(resp.responses_size(), 1);
    EXPECT_TRUE(resp.responses(0).has_response_put());
    ASSERT_TRUE(kv_->Txn(Context().get(), txn, &resp).ok());
    EXPECT_FALSE(resp.succeeded());
    ASSERT_EQ(resp.responses_size(), 1);
    ASSERT_EQ(resp.responses(0).response_range().kvs_size(), 1);
    EXPECT_EQ(resp.responses(0).response_range().kvs(0).value(), "new");
}

TEST_P(KvConformance, TxnCompareOverARangeUsesField64) {
    Put("r/1", "x");
    Put("r/2", "x");
    pb::TxnRequest txn;
    pb::Compare* cmp = txn.add_compare();
    cmp->set_key("r/");
    cmp->set_range_end("r0");
    cmp->set_target(pb::Compare::VERSION);
    cmp->set_result(pb::Compare::EQUAL);
    cmp->set_version(1);
    pb::TxnResponse resp;
    ASSERT_TRUE(kv_->Txn(Context().get(), txn, &resp).ok());
    EXPECT_TRUE(resp.succeeded());
    Put("r/2", "y");
    ASSERT_TRUE(kv_->Txn(Context().get(), txn, &resp).ok());
    EXPECT_FALSE(resp.succeeded()) << "one key in the range now has version 2";
}

TEST_P(KvConformance, DeleteRangeReturnsPrevKvs) {
    Put("d1", "v1");
    Put("d2", "v2");
    pb::DeleteRangeRequest req;
    req.set_key("d");
    req.set_range_end("e");
    req.set_prev_kv(true);
    pb::DeleteRangeResponse resp;
    ASSERT_TRUE(kv_->DeleteRange(Context().get(), req, &resp).ok());
    EXPECT_EQ(resp.deleted(), 2);
    ASSERT_EQ(resp.prev_kvs_size(), 2);
    EXPECT_EQ(resp.prev_kvs(0).value(), "v1");
}

TEST_P(KvConformance, ErrorsMatchEtcd) {
    struct Case {
        grpc::Status status;
        grpc::StatusCode code;
        std::string message;
    };

    pb::PutRequest empty;
    pb::PutResponse put_resp;
    pb::PutRequest huge;
    huge.set_key("huge");
    huge.set_value(std::string(1536 * 1024 + 1, 'x'));
    pb::TxnRequest duplicate;
    for (int i = 0; i < 2; ++i) {
        duplicate.add_success()->mutable_request_put()->set_key("dup");
    }
    pb::TxnResponse txn_resp;
    const Case cases[] = {
        {kv_->Put(Context().get(), empty, &put_resp),
         grpc::StatusCode::INVALID_ARGUMENT,
         "etcdserver: key is not provided"},
        {kv_->Put(Context().get(), huge, &put_resp),
         grpc::StatusCode::INVALID_ARGUMENT,
         "etcdserver: request is too large"},
        {kv_->Txn(Context().get(), duplicate, &txn_resp),
         grpc::StatusCode::INVALID_ARGUMENT,
         "etcdserver: duplicate key given in txn request"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(c.status.error_code(), c.code) << c.message;
        EXPECT_EQ(c.status.error_message(), c.message);
    }
}

TEST_P(KvConformance, CompactedAndFutureRevisionsAreOutOfRange) {
    const int64_t old_rev = Put("c", "1").header().revision();
    const int64_t new_rev = Put("c", "2").header().revision();
    pb::CompactionRequest compact;
    compact.set_revision(new_rev);
    compact.set_physical(true);
    pb::CompactionResponse compacted;
    ASSERT_TRUE(kv_->Compact(Context().get(), compact, &compacted).ok());
    EXPECT_EQ(compacted.header().revision(), new_rev);

    pb::RangeRequest req;
    req.set_key("c");
    req.set_revision(old_rev);
    pb::RangeResponse resp;
    const grpc::Status s = kv_->Range(Context().get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(s.error_message(), "etcdserver: mvcc: required revision has been compacted");
    const grpc::Status again = kv_->Compact(Context().get(), compact, &compacted);
    EXPECT_EQ(again.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(again.error_message(), "etcdserver: mvcc: required revision has been compacted");

    req.set_revision(new_rev + 1000);
    const grpc::Status future = kv_->Range(Context().get(), req, &resp);
    EXPECT_EQ(future.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(future.error_message(), "etcdserver: mvcc: required revision is a future revision");
}

TEST_P(KvConformance, WatchDeliversPutWithPrevKv) {
    Put("w", "before");
    pb::WatchCreateRequest create;
    create.set_key("w");
    create.set_prev_kv(true);
    pb::WatchResponse created;
    WatchStream w = Watch(create, &created);
    EXPECT_FALSE(created.canceled());
    const int64_t rev = Put("w", "after").header().revision();
    const std::vector<mvccpb::Event> events = ReadEvents(w, 1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type(), mvccpb::Event::PUT);
    EXPECT_EQ(events[0].kv().value(), "after");
    EXPECT_EQ(events[0].kv().mod_revision(), rev);
    EXPECT_EQ(events[0].prev_kv().value(), "before");
}

TEST_P(KvConformance, WatchPrefixFromPastRevisionThenLiveThenCancel) {
    const int64_t first = Put("wp/a", "1").header().revision();
    Put("other", "x");
    Put("wp/b", "2");
    pb::DeleteRangeRequest del;
    del.set_key("wp/a");
    pb::DeleteRangeResponse deleted;
    ASSERT_TRUE(kv_->DeleteRange(Context().get(), del, &deleted).ok());
    pb::WatchCreateRequest create;
    create.set_key("wp/");
    create.set_range_end("wp0");
    create.set_start_revision(first);
    create.set_watch_id(42);
    pb::WatchResponse created;
    WatchStream w = Watch(create, &created);
    EXPECT_EQ(created.watch_id(), 42);
    EXPECT_GE(created.header().revision(), deleted.header().revision());
    const int64_t live = Put("wp/c", "3").header().revision();
    const std::vector<mvccpb::Event> events = ReadEvents(w, 4);
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[0].kv().key(), "wp/a");
    EXPECT_EQ(events[0].kv().mod_revision(), first);
    EXPECT_EQ(events[1].kv().key(), "wp/b");
    EXPECT_EQ(events[2].type(), mvccpb::Event::DELETE);
    EXPECT_EQ(events[2].kv().key(), "wp/a");
    EXPECT_EQ(events[2].kv().mod_revision(), deleted.header().revision());
    EXPECT_EQ(events[3].kv().key(), "wp/c");
    EXPECT_EQ(events[3].kv().mod_revision(), live);

    pb::WatchRequest cancel;
    cancel.mutable_cancel_request()->set_watch_id(42);
    ASSERT_TRUE(w.rw->Write(cancel));
    pb::WatchResponse canceled;
    ASSERT_TRUE(w.rw->Read(&canceled));
    EXPECT_TRUE(canceled.canceled());
    EXPECT_EQ(canceled.watch_id(), 42);

    // The id is free again; a second create with it succeeds, a duplicate fails.
    pb::WatchRequest again;
    again.mutable_create_request()->set_key("wp/x");
    again.mutable_create_request()->set_watch_id(42);
    ASSERT_TRUE(w.rw->Write(again));
    ASSERT_TRUE(w.rw->Write(again));
    pb::WatchResponse resp;
    ASSERT_TRUE(w.rw->Read(&resp));
    EXPECT_TRUE(resp.created());
    EXPECT_FALSE(resp.canceled());
    ASSERT_TRUE(w.rw->Read(&resp));
    EXPECT_TRUE(resp.created());
    EXPECT_TRUE(resp.canceled());
    EXPECT_EQ(resp.watch_id(), -1);
    EXPECT_EQ(resp.cancel_reason(), "mvcc: duplicate watch ID provided on the WatchStream");
}

TEST_P(KvConformance, WatchFromACompactedRevisionIsCanceledWithTheCompactRevision) {
    const int64_t old_rev = Put("wc", "1").header().revision();
    const int64_t new_rev = Put("wc", "2").header().revision();
    pb::CompactionRequest compact;
    compact.set_revision(new_rev);
    pb::CompactionResponse compacted;
    ASSERT_TRUE(kv_->Compact(Context().get(), compact, &compacted).ok());
    pb::WatchCreateRequest create;
    create.set_key("wc");
    create.set_start_revision(old_rev);
    pb::WatchResponse created;
    WatchStream w = Watch(create, &created);
    EXPECT_FALSE(created.canceled());
    pb::WatchResponse resp;
    ASSERT_TRUE(w.rw->Read(&resp));
    EXPECT_TRUE(resp.canceled());
    EXPECT_EQ(resp.watch_id(), created.watch_id());
    EXPECT_EQ(resp.compact_revision(), new_rev);
    EXPECT_EQ(resp.events_size(), 0);
}

TEST_P(KvConformance, WatchProgressRequestReportsTheRevision) {
    pb::WatchCreateRequest create;
    create.set_key("wq");
    pb::WatchResponse created;
    WatchStream w = Watch(create, &created);
    const int64_t rev = Put("unrelated", "x").header().revision();
    // Wait until the member serving the watch has applied the put.
    for (int i = 0; i < 50; ++i) {
        pb::WatchRequest progress;
        progress.mutable_progress_request();
        ASSERT_TRUE(w.rw->Write(progress));
        pb::WatchResponse resp;
        ASSERT_TRUE(w.rw->Read(&resp));
        EXPECT_EQ(resp.watch_id(), -1);
        EXPECT_EQ(resp.events_size(), 0);
        if (resp.header().revision() >= rev) {
            EXPECT_EQ(resp.header().revision(), rev);
            return;
        }
        std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "progress never reached revision " << rev;
}

TEST_P(KvConformance, EtcdctlWatchPrintsHistoryThenLiveEvents) {
    const int64_t first = Put("ew/1", "a").header().revision();
    Put("ew/2", "b");
    TempDir dir;
    Process watch({"etcdctl",
                   "--endpoints=" + backend_->target(),
                   "watch",
                   "--prefix",
                   "--rev=" + std::to_string(first),
                   "ew/"},
                  dir.path() + "/etcdctl.log");
    const auto wait_for = [&](const std::string& expected) {
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline && watch.Log() != expected) {
            std::this_thread::sleep_for(50ms);
        }
        return watch.Log();
    };
    EXPECT_EQ(wait_for("PUT\new/1\na\nPUT\new/2\nb\n"), "PUT\new/1\na\nPUT\new/2\nb\n");
    Put("ew/3", "c");
    pb::DeleteRangeRequest del;
    del.set_key("ew/1");
    pb::DeleteRangeResponse deleted;
    ASSERT_TRUE(kv_->DeleteRange(Context().get(), del, &deleted).ok());
    const std::string all = "PUT\new/1\na\nPUT\new/2\nb\nPUT\new/3\nc\nDELETE\new/1\n\n";
    EXPECT_EQ(wait_for(all), all);
    watch.Kill();
}

// Membership: etcd's errors for bad member operations, and MemberList's fields. Only learner
// adds change anything (a voter add to a one-member etcd fails its strict reconfiguration
// check, which keeld does not have).
TEST_P(KvConformance, MembershipErrorsMatchEtcd) {
    auto cluster = pb::Cluster::NewStub(channel_);
    // Every member lists its name and client URLs (keeld members publish them after start).
    pb::MemberListResponse list;
    const auto deadline = std::chrono::steady_clock::now() + kStartupTimeout;
    bool complete = false;
    while (!complete && std::chrono::steady_clock::now() < deadline) {
        ASSERT_TRUE(cluster->MemberList(Context().get(), pb::MemberListRequest(), &list).ok());
        complete = true;
        for (const pb::Member& member : list.members()) {
            complete = complete && !member.name().empty() && member.clienturls_size() > 0;
        }
        if (!complete) {
            std::this_thread::sleep_for(50ms);
        }
    }
    ASSERT_TRUE(complete) << list.DebugString();
    ASSERT_GT(list.members_size(), 0);
    const pb::Member& voter = list.members(0);
    EXPECT_FALSE(voter.islearner());
    ASSERT_GT(voter.peerurls_size(), 0);

    constexpr uint64_t kUnknown = 0x1234;
    pb::MemberRemoveRequest remove;
    remove.set_id(kUnknown);
    pb::MemberRemoveResponse remove_resp;
    pb::MemberUpdateRequest update;
    update.set_id(kUnknown);
    update.add_peerurls("http://127.0.0.1:1");
    pb::MemberUpdateResponse update_resp;
    pb::MemberPromoteRequest promote_voter;
    promote_voter.set_id(voter.id());
    pb::MemberPromoteResponse promote_resp;
    pb::MemberAddRequest taken_url;
    taken_url.add_peerurls(voter.peerurls(0));
    taken_url.set_islearner(true);
    pb::MemberAddRequest bad_url;
    bad_url.add_peerurls("not-a-url");
    bad_url.set_islearner(true);
    pb::MemberAddResponse add_resp;

    struct Case {
        grpc::Status status;
        grpc::StatusCode code;
        std::string message;
    };

    const Case cases[] = {
        {cluster->MemberRemove(Context().get(), remove, &remove_resp),
         grpc::StatusCode::NOT_FOUND,
         "etcdserver: member not found"},
        {cluster->MemberUpdate(Context().get(), update, &update_resp),
         grpc::StatusCode::NOT_FOUND,
         "etcdserver: member not found"},
        {cluster->MemberPromote(Context().get(), promote_voter, &promote_resp),
         grpc::StatusCode::FAILED_PRECONDITION,
         "etcdserver: can only promote a learner member"},
        {cluster->MemberAdd(Context().get(), taken_url, &add_resp),
         grpc::StatusCode::FAILED_PRECONDITION,
         "etcdserver: Peer URLs already exists"},
        {cluster->MemberAdd(Context().get(), bad_url, &add_resp),
         grpc::StatusCode::INVALID_ARGUMENT,
         "etcdserver: given member URLs are invalid"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(c.status.error_code(), c.code) << c.message;
        EXPECT_EQ(c.status.error_message(), c.message);
    }

    // One learner is allowed; a second is refused. A learner that never started cannot be
    // promoted: it is not in sync with the leader.
    pb::MemberAddRequest learner;
    learner.add_peerurls("http://127.0.0.1:1");
    learner.set_islearner(true);
    const grpc::Status added = cluster->MemberAdd(Context().get(), learner, &add_resp);
    ASSERT_TRUE(added.ok()) << added.error_message();
    EXPECT_TRUE(add_resp.member().islearner());
    EXPECT_EQ(add_resp.member().peerurls(0), "http://127.0.0.1:1");
    EXPECT_EQ(add_resp.members_size(), list.members_size() + 1);
    const uint64_t learner_id = add_resp.member().id();
    pb::MemberAddRequest second = learner;
    second.set_peerurls(0, "http://127.0.0.1:2");
    const grpc::Status refused = cluster->MemberAdd(Context().get(), second, &add_resp);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(refused.error_message(), "etcdserver: too many learner members in cluster");
    pb::MemberPromoteRequest promote_learner;
    promote_learner.set_id(learner_id);
    const grpc::Status lagging =
        cluster->MemberPromote(Context().get(), promote_learner, &promote_resp);
    EXPECT_EQ(lagging.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(lagging.error_message(),
              "etcdserver: can only promote a learner member which is in sync with leader");
}

// ---- Lease: on both servers (moved here from etcd_conformance_test.cc). ----

pb::LeaseGrantResponse Grant(pb::Lease::Stub& lease, int64_t ttl, int64_t id = 0) {
    pb::LeaseGrantRequest grant;
    grant.set_ttl(ttl);
    grant.set_id(id);
    pb::LeaseGrantResponse granted;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    const grpc::Status s = lease.LeaseGrant(&ctx, grant, &granted);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return granted;
}

bool KeyExists(pb::KV::Stub& kv, const std::string& key) {
    pb::RangeRequest get;
    get.set_key(key);
    pb::RangeResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    EXPECT_TRUE(kv.Range(&ctx, get, &resp).ok());
    return resp.kvs_size() > 0;
}

TEST_P(KvConformance, LeaseGrantAttachTimeToLiveRevoke) {
    auto lease = pb::Lease::NewStub(channel_);
    const pb::LeaseGrantResponse granted = Grant(*lease, 60);
    EXPECT_NE(granted.id(), 0);
    EXPECT_EQ(granted.ttl(), 60);

    pb::PutRequest put;
    put.set_key("leased");
    put.set_value("v");
    put.set_lease(granted.id());
    pb::PutResponse put_resp;
    ASSERT_TRUE(kv_->Put(Context().get(), put, &put_resp).ok());
    pb::LeaseTimeToLiveRequest ttl_req;
    ttl_req.set_id(granted.id());
    ttl_req.set_keys(true);
    pb::LeaseTimeToLiveResponse ttl;
    ASSERT_TRUE(lease->LeaseTimeToLive(Context().get(), ttl_req, &ttl).ok());
    EXPECT_EQ(ttl.id(), granted.id());
    EXPECT_EQ(ttl.grantedttl(), 60);
    EXPECT_GT(ttl.ttl(), 50);
    EXPECT_LE(ttl.ttl(), 60);
    ASSERT_EQ(ttl.keys_size(), 1);
    EXPECT_EQ(ttl.keys(0), "leased");

    pb::LeaseLeasesResponse leases;
    ASSERT_TRUE(lease->LeaseLeases(Context().get(), pb::LeaseLeasesRequest(), &leases).ok());
    bool listed = false;
    for (const pb::LeaseStatus& status : leases.leases()) {
        listed = listed || status.id() == granted.id();
    }
    EXPECT_TRUE(listed);

    pb::LeaseRevokeRequest revoke;
    revoke.set_id(granted.id());
    pb::LeaseRevokeResponse revoked;
    ASSERT_TRUE(lease->LeaseRevoke(Context().get(), revoke, &revoked).ok());
    EXPECT_FALSE(KeyExists(*kv_, "leased")) << "revoking a lease deletes its keys";

    const grpc::Status attach = kv_->Put(Context().get(), put, &put_resp);
    EXPECT_EQ(attach.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(attach.error_message(), "etcdserver: requested lease not found");
    const grpc::Status again = lease->LeaseRevoke(Context().get(), revoke, &revoked);
    EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(again.error_message(), "etcdserver: requested lease not found");
    ASSERT_TRUE(lease->LeaseTimeToLive(Context().get(), ttl_req, &ttl).ok());
    EXPECT_EQ(ttl.ttl(), -1) << "a lease that does not exist";
}

TEST_P(KvConformance, LeaseErrorsMatchEtcd) {
    auto lease = pb::Lease::NewStub(channel_);
    pb::LeaseGrantRequest grant;
    grant.set_ttl(9'000'000'001);
    pb::LeaseGrantResponse granted;
    grpc::Status s = lease->LeaseGrant(Context().get(), grant, &granted);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(s.error_message(), "etcdserver: too large lease TTL");

    const int64_t id = 0x1234;
    EXPECT_EQ(Grant(*lease, 30, id).id(), id);
    grant.set_ttl(30);
    grant.set_id(id);
    s = lease->LeaseGrant(Context().get(), grant, &granted);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(s.error_message(), "etcdserver: lease already exists");
}

TEST_P(KvConformance, LeaseKeepAliveKeepsKeysBeyondTheTtl) {
    auto lease = pb::Lease::NewStub(channel_);
    const pb::LeaseGrantResponse granted = Grant(*lease, 2);
    ASSERT_NE(granted.id(), 0);
    pb::PutRequest put;
    put.set_key("kept");
    put.set_lease(granted.id());
    pb::PutResponse put_resp;
    ASSERT_TRUE(kv_->Put(Context().get(), put, &put_resp).ok());

    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 20s);
    auto stream = lease->LeaseKeepAlive(&ctx);
    pb::LeaseKeepAliveRequest keep;
    keep.set_id(granted.id());
    // Four seconds of keepalives every half second: twice the TTL.
    for (int i = 0; i < 8; ++i) {
        ASSERT_TRUE(stream->Write(keep));
        pb::LeaseKeepAliveResponse resp;
        ASSERT_TRUE(stream->Read(&resp));
        EXPECT_EQ(resp.id(), granted.id());
        EXPECT_EQ(resp.ttl(), 2);
        std::this_thread::sleep_for(500ms);
    }
    EXPECT_TRUE(KeyExists(*kv_, "kept"));
    // A keepalive for a lease that does not exist answers TTL 0.
    keep.set_id(granted.id() + 1);
    ASSERT_TRUE(stream->Write(keep));
    pb::LeaseKeepAliveResponse unknown;
    ASSERT_TRUE(stream->Read(&unknown));
    EXPECT_EQ(unknown.id(), granted.id() + 1);
    EXPECT_EQ(unknown.ttl(), 0);
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
}

TEST_P(KvConformance, ExpiredLeaseDeletesItsKeys) {
    auto lease = pb::Lease::NewStub(channel_);
    const auto granted_at = std::chrono::steady_clock::now();
    const pb::LeaseGrantResponse granted = Grant(*lease, 2);
    pb::PutRequest put;
    put.set_key("expiring");
    put.set_lease(granted.id());
    pb::PutResponse put_resp;
    ASSERT_TRUE(kv_->Put(Context().get(), put, &put_resp).ok());
    std::this_thread::sleep_for(1s);
    EXPECT_TRUE(KeyExists(*kv_, "expiring")) << "gone before its TTL";
    std::optional<std::chrono::milliseconds> gone_after;
    while (std::chrono::steady_clock::now() < granted_at + 10s) {
        if (!KeyExists(*kv_, "expiring")) {
            gone_after = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - granted_at);
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(gone_after.has_value()) << "the key outlived its lease by 8 s";
    EXPECT_GE(*gone_after, 2s);
    std::printf("lease of 2 s: key deleted %lld ms after the grant\n",
                static_cast<long long>(gone_after->count()));
    pb::LeaseTimeToLiveRequest ttl_req;
    ttl_req.set_id(granted.id());
    pb::LeaseTimeToLiveResponse ttl;
    ASSERT_TRUE(lease->LeaseTimeToLive(Context().get(), ttl_req, &ttl).ok());
    EXPECT_EQ(ttl.ttl(), -1);
}

TEST_P(KvConformance, LockWaitsForTheOlderHolderAndItsRevisionIsAFencingToken) {
    // An older holder: any key under the lock's prefix.
    const int64_t older = Put("mutex/older", "").header().revision();
    const int64_t lease = LeaseOrNone();
    auto lock = v3lockpb::Lock::NewStub(channel_);
    auto locking = std::async(std::launch::async, [&] {
        v3lockpb::LockRequest req;
        req.set_name("mutex");
        req.set_lease(lease);
        v3lockpb::LockResponse locked;
        auto ctx = Context(std::chrono::seconds(15));
        const grpc::Status s = lock->Lock(ctx.get(), req, &locked);
        EXPECT_TRUE(s.ok()) << s.error_message();
        return locked;
    });
    EXPECT_EQ(locking.wait_for(1s), std::future_status::timeout) << "the older holder still holds";
    const int64_t released = Put("unrelated", "x").header().revision() + 1;
    Delete("mutex/older");
    ASSERT_EQ(locking.wait_for(10s), std::future_status::ready);
    const v3lockpb::LockResponse locked = locking.get();
    EXPECT_EQ(locked.key().rfind("mutex/", 0), 0u) << locked.key();
    EXPECT_GE(locked.header().revision(), released);

    pb::RangeRequest get;
    get.set_key(locked.key());
    pb::RangeResponse owner;
    ASSERT_TRUE(kv_->Range(Context().get(), get, &owner).ok());
    ASSERT_EQ(owner.kvs_size(), 1);
    if (lease != 0) {
        EXPECT_EQ(owner.kvs(0).lease(), lease);
    }
    // The fencing token: the holder's key was created after the older holder's.
    EXPECT_GT(owner.kvs(0).create_revision(), older);
    EXPECT_LT(owner.kvs(0).create_revision(), released);

    v3lockpb::UnlockRequest unlock;
    unlock.set_key(locked.key());
    v3lockpb::UnlockResponse unlocked;
    ASSERT_TRUE(lock->Unlock(Context().get(), unlock, &unlocked).ok());
    ASSERT_TRUE(kv_->Range(Context().get(), get, &owner).ok());
    EXPECT_EQ(owner.kvs_size(), 0);
    EXPECT_EQ(unlocked.header().revision(), owner.header().revision());
}

TEST_P(KvConformance, ElectionCampaignObserveProclaimResign) {
    auto election = v3electionpb::Election::NewStub(channel_);
    v3electionpb::LeaderRequest who;
    who.set_name("e");
    v3electionpb::LeaderResponse leader;
    const grpc::Status none = election->Leader(Context().get(), who, &leader);
    EXPECT_EQ(none.error_message(), "election: no leader");

    Put("e/first", "first");
    auto observe_ctx = Context(std::chrono::seconds(20));
    auto observer = election->Observe(observe_ctx.get(), who);
    v3electionpb::LeaderResponse seen;
    ASSERT_TRUE(observer->Read(&seen));
    EXPECT_EQ(seen.kv().value(), "first");

    const int64_t lease = LeaseOrNone();
    auto campaigning = std::async(std::launch::async, [&] {
        v3electionpb::CampaignRequest campaign;
        campaign.set_name("e");
        campaign.set_lease(lease);
        campaign.set_value("me");
        v3electionpb::CampaignResponse won;
        auto ctx = Context(std::chrono::seconds(15));
        const grpc::Status s = election->Campaign(ctx.get(), campaign, &won);
        EXPECT_TRUE(s.ok()) << s.error_message();
        return won;
    });
    EXPECT_EQ(campaigning.wait_for(1s), std::future_status::timeout) << "first still leads";
    ASSERT_TRUE(election->Leader(Context().get(), who, &leader).ok());
    EXPECT_EQ(leader.kv().value(), "first");
    Delete("e/first");
    ASSERT_EQ(campaigning.wait_for(10s), std::future_status::ready);
    const v3electionpb::CampaignResponse won = campaigning.get();
    EXPECT_EQ(won.leader().name(), "e");
    EXPECT_EQ(won.leader().key().rfind("e/", 0), 0u);
    if (lease != 0) {
        EXPECT_EQ(won.leader().lease(), lease);
    }
    ASSERT_TRUE(observer->Read(&seen));
    EXPECT_EQ(seen.kv().value(), "me");
    EXPECT_EQ(seen.kv().create_revision(), won.leader().rev());

    v3electionpb::ProclaimRequest proclaim;
    *proclaim.mutable_leader() = won.leader();
    proclaim.set_value("again");
    v3electionpb::ProclaimResponse proclaimed;
    ASSERT_TRUE(election->Proclaim(Context().get(), proclaim, &proclaimed).ok());
    ASSERT_TRUE(observer->Read(&seen));
    EXPECT_EQ(seen.kv().value(), "again");
    ASSERT_TRUE(election->Leader(Context().get(), who, &leader).ok());
    EXPECT_EQ(leader.kv().value(), "again");

    v3electionpb::ResignRequest resign;
    *resign.mutable_leader() = won.leader();
    v3electionpb::ResignResponse resigned;
    ASSERT_TRUE(election->Resign(Context().get(), resign, &resigned).ok());
    EXPECT_EQ(election->Leader(Context().get(), who, &leader).error_message(),
              "election: no leader");
    // A resigned leader can no longer proclaim.
    const grpc::Status stale = election->Proclaim(Context().get(), proclaim, &proclaimed);
    EXPECT_EQ(stale.error_message(), "election: not leader");
    observe_ctx->TryCancel();
}

// ---- Maintenance (issue #4): what etcd and keeld must agree on, hashes aside. ----

// Maintenance reads a member's own state; a linearizable read first makes the member under
// test (a keeld follower) apply everything written so far.
void CatchUp(pb::KV::Stub& kv) {
    pb::RangeRequest read;
    read.set_key("catch-up");
    pb::RangeResponse ignored;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    ASSERT_TRUE(kv.Range(&ctx, read, &ignored).ok());
}

TEST_P(KvConformance, HashKvIsStableAtARevisionAndRefusesCompactedAndFuture) {
    auto maintenance = pb::Maintenance::NewStub(channel_);
    const int64_t rev = Put("h", "1").header().revision();
    CatchUp(*kv_);
    pb::HashKVRequest at_rev;
    at_rev.set_revision(rev);
    pb::HashKVResponse before;
    ASSERT_TRUE(maintenance->HashKV(Context().get(), at_rev, &before).ok());
    EXPECT_EQ(before.header().revision(), rev);
    Put("h", "2");
    CatchUp(*kv_);
    pb::HashKVResponse after;
    ASSERT_TRUE(maintenance->HashKV(Context().get(), at_rev, &after).ok());
    EXPECT_EQ(after.hash(), before.hash());  // history up to rev did not change
    EXPECT_EQ(after.header().revision(), rev + 1);
    pb::HashKVResponse current;
    ASSERT_TRUE(maintenance->HashKV(Context().get(), pb::HashKVRequest(), &current).ok());
    EXPECT_NE(current.hash(), before.hash());

    pb::CompactionRequest compact;
    compact.set_revision(rev);
    pb::CompactionResponse compacted;
    ASSERT_TRUE(kv_->Compact(Context().get(), compact, &compacted).ok());
    CatchUp(*kv_);
    pb::HashKVResponse refused;
    const grpc::Status old = maintenance->HashKV(Context().get(), at_rev, &refused);
    EXPECT_EQ(old.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(old.error_message(), "etcdserver: mvcc: required revision has been compacted");
    pb::HashKVResponse latest;
    ASSERT_TRUE(maintenance->HashKV(Context().get(), pb::HashKVRequest(), &latest).ok());
    EXPECT_EQ(latest.compact_revision(), rev);
    pb::HashKVRequest future;
    future.set_revision(rev + 1000);
    const grpc::Status ahead = maintenance->HashKV(Context().get(), future, &refused);
    EXPECT_EQ(ahead.error_code(), grpc::StatusCode::OUT_OF_RANGE);
    EXPECT_EQ(ahead.error_message(), "etcdserver: mvcc: required revision is a future revision");
}

TEST_P(KvConformance, HashDefragmentStatusAndSnapshotAnswer) {
    auto maintenance = pb::Maintenance::NewStub(channel_);
    const int64_t rev = Put("m", "1").header().revision();
    CatchUp(*kv_);
    pb::HashResponse first;
    ASSERT_TRUE(maintenance->Hash(Context().get(), pb::HashRequest(), &first).ok());
    pb::HashResponse second;
    ASSERT_TRUE(maintenance->Hash(Context().get(), pb::HashRequest(), &second).ok());
    EXPECT_EQ(second.hash(), first.hash());
    Put("m", "2");
    CatchUp(*kv_);
    pb::HashResponse changed;
    ASSERT_TRUE(maintenance->Hash(Context().get(), pb::HashRequest(), &changed).ok());
    EXPECT_NE(changed.hash(), first.hash());

    pb::DefragmentResponse defragmented;
    const grpc::Status defrag =
        maintenance->Defragment(Context().get(), pb::DefragmentRequest(), &defragmented);
    EXPECT_TRUE(defrag.ok()) << defrag.error_message();
    EXPECT_FALSE(defragmented.has_header());  // etcd 3.4 answers with an empty response

    pb::StatusResponse status;
    ASSERT_TRUE(maintenance->Status(Context().get(), pb::StatusRequest(), &status).ok());
    EXPECT_NE(status.leader(), 0U);
    EXPECT_GT(status.dbsize(), 0);
    EXPECT_GE(status.raftterm(), 1U);
    EXPECT_GE(status.raftindex(), status.raftappliedindex());
    EXPECT_FALSE(status.islearner());
    EXPECT_EQ(status.header().revision(), rev + 1);

    // A backup stream: remaining_bytes counts down to 0 on the last message.
    auto ctx = Context();
    auto reader = maintenance->Snapshot(ctx.get(), pb::SnapshotRequest());
    pb::SnapshotResponse chunk;
    uint64_t bytes = 0;
    uint64_t remaining = 1;
    while (reader->Read(&chunk)) {
        bytes += chunk.blob().size();
        remaining = chunk.remaining_bytes();
    }
    EXPECT_TRUE(reader->Finish().ok());
    EXPECT_GT(bytes, 0U);
    EXPECT_EQ(remaining, 0U);
}

INSTANTIATE_TEST_SUITE_P(Servers,
                         KvConformance,
                         ::testing::Values(Server::kEtcd, Server::kKeeld),
                         ServerName);

}  // namespace
}  // namespace keel::testing
