#include "verifier.h"

#include <memory>
#include <optional>
#include <set>
#include <thread>

#include <absl/strings/str_cat.h>
#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::chaos {
namespace {

using namespace std::chrono_literals;

constexpr auto kReadDeadline = 2s;
constexpr auto kConvergePoll = 200ms;
constexpr int kReadAttempts = 5;

std::optional<etcdserverpb::RangeResponse> ReadAt(etcdserverpb::KV::Stub& stub, int64_t revision) {
    for (int attempt = 0; attempt < kReadAttempts; ++attempt) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + kReadDeadline);
        etcdserverpb::RangeRequest req;
        req.set_key(kKeyPrefix);
        req.set_range_end(kKeyPrefixEnd);
        req.set_serializable(true);
        req.set_revision(revision);
        etcdserverpb::RangeResponse resp;
        if (stub.Range(&ctx, req, &resp).ok()) {
            return resp;
        }
    }
    return std::nullopt;
}

std::string Show(const check::WatchEvent& e) {
    return absl::StrCat(e.key, "=", e.value ? *e.value : "<deleted>");
}

// One member's log over revisions [1, final_revision].
std::optional<WriteLog> ReadLog(const std::string& address,
                                int64_t final_revision,
                                std::string& problem) {
    auto stub =
        etcdserverpb::KV::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    WriteLog log;
    for (int64_t r = 1; r <= final_revision; ++r) {
        const std::optional<etcdserverpb::RangeResponse> resp = ReadAt(*stub, r);
        if (!resp.has_value()) {
            problem = absl::StrCat("cannot read revision ", r, " from ", address);
            return std::nullopt;
        }
        for (const auto& kv : resp->kvs()) {
            if (kv.mod_revision() == r) {
                log[r] = check::WatchEvent{.revision = r, .key = kv.key(), .value = kv.value()};
            }
        }
    }
    return log;
}

std::optional<int64_t> RevisionOf(const std::string& address) {
    auto stub =
        etcdserverpb::KV::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    const std::optional<etcdserverpb::RangeResponse> resp = ReadAt(*stub, 0);
    if (!resp.has_value()) {
        return std::nullopt;
    }
    return resp->header().revision();
}

// Waits until every member reports the same revision on two polls in a row.
std::optional<int64_t> WaitForSameRevision(ChaosCluster& cluster,
                                           std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<int64_t> previous;
    while (std::chrono::steady_clock::now() < deadline) {
        std::set<int64_t> seen;
        bool all = true;
        for (const int i : cluster.Current()) {
            if (!all) {
                break;
            }
            const std::optional<int64_t> r = RevisionOf(cluster.ClientAddress(i));
            all = r.has_value();
            if (all) {
                seen.insert(*r);
            }
        }
        if (all && seen.size() == 1) {
            if (previous == *seen.begin()) {
                return previous;
            }
            previous = *seen.begin();
        } else {
            previous.reset();
        }
        std::this_thread::sleep_for(kConvergePoll);
    }
    return std::nullopt;
}

// Every member's Maintenance.HashKV at `revision` must be equal (keeld and etcd both serve
// it). Members that cannot answer are reported too.
void CheckHashKV(ChaosCluster& cluster,
                 const std::vector<int>& members,
                 int64_t revision,
                 std::vector<std::string>& failures) {
    std::optional<uint32_t> first;
    for (const int i : members) {
        auto stub = etcdserverpb::Maintenance::NewStub(
            grpc::CreateChannel(cluster.ClientAddress(i), grpc::InsecureChannelCredentials()));
        std::optional<etcdserverpb::HashKVResponse> answer;
        for (int attempt = 0; attempt < kReadAttempts && !answer.has_value(); ++attempt) {
            grpc::ClientContext ctx;
            ctx.set_deadline(std::chrono::system_clock::now() + kReadDeadline);
            etcdserverpb::HashKVRequest req;
            req.set_revision(revision);
            etcdserverpb::HashKVResponse resp;
            if (stub->HashKV(&ctx, req, &resp).ok()) {
                answer = resp;
            }
        }
        if (!answer.has_value()) {
            failures.push_back(absl::StrCat(cluster.Name(i), " did not answer HashKV"));
            return;
        }
        if (!first.has_value()) {
            first = answer->hash();
        } else if (*first != answer->hash()) {
            failures.push_back(absl::StrCat("HashKV at revision ",
                                            revision,
                                            " differs: ",
                                            cluster.Name(members[0]),
                                            " has ",
                                            *first,
                                            ", ",
                                            cluster.Name(i),
                                            " has ",
                                            answer->hash()));
            return;
        }
    }
}

void CheckDurability(const WriteLog& log,
                     const std::vector<AckedWrite>& acked,
                     std::vector<std::string>& failures) {
    size_t lost = 0;
    for (const AckedWrite& w : acked) {
        const auto it = log.find(w.revision);
        if (it != log.end() && it->second.key == w.key && it->second.value == w.value) {
            continue;
        }
        if (++lost <= 5) {
            failures.push_back(absl::StrCat("acknowledged write ",
                                            w.key,
                                            "=",
                                            w.value,
                                            " at revision ",
                                            w.revision,
                                            " is not in the history (found ",
                                            it == log.end() ? "nothing" : Show(it->second),
                                            ")"));
        }
    }
    if (lost > 5) {
        failures.push_back(absl::StrCat("... ", lost, " acknowledged writes lost in all"));
    }
}

}  // namespace

WriteLog ReadConvergedLog(ChaosCluster& cluster,
                          std::chrono::milliseconds timeout,
                          std::vector<std::string>& failures,
                          int64_t& final_revision) {
    const std::optional<int64_t> revision = WaitForSameRevision(cluster, timeout);
    if (!revision.has_value()) {
        failures.push_back("replicas did not converge to one revision in time");
        return {};
    }
    final_revision = *revision;
    // Index k below is the k-th member of the current membership.
    const std::vector<int> members = cluster.Current();
    const size_t n = members.size();
    std::vector<std::optional<WriteLog>> logs(n);
    std::vector<std::string> problems(n);
    std::vector<std::thread> readers;
    for (size_t i = 0; i < n; ++i) {
        readers.emplace_back([&, i] {
            logs[i] = ReadLog(cluster.ClientAddress(members[i]), final_revision, problems[i]);
        });
    }
    for (std::thread& t : readers) {
        t.join();
    }
    for (size_t i = 0; i < n; ++i) {
        if (!logs[i].has_value()) {
            failures.push_back(problems[i]);
            return {};
        }
    }
    CheckHashKV(cluster, members, final_revision, failures);
    for (size_t i = 1; i < n; ++i) {
        for (int64_t r = 1; r <= final_revision; ++r) {
            const auto a = logs[0]->find(r);
            const auto b = logs[i]->find(r);
            const std::string sa = a == logs[0]->end() ? "nothing" : Show(a->second);
            const std::string sb = b == logs[i]->end() ? "nothing" : Show(b->second);
            if (sa != sb) {
                failures.push_back(absl::StrCat("replicas diverge at revision ",
                                                r,
                                                ": ",
                                                cluster.Name(members[0]),
                                                " has ",
                                                sa,
                                                ", ",
                                                cluster.Name(members[i]),
                                                " has ",
                                                sb));
                return *logs[0];
            }
        }
    }
    return *logs[0];
}

Verdicts CheckRun(const WriteLog& log,
                  int64_t final_revision,
                  const check::History& history,
                  const std::vector<AckedWrite>& acked,
                  const Workload& workload) {
    Verdicts v;
    v.final_revision = final_revision;
    CheckDurability(log, acked, v.failures);
    std::set<std::pair<std::string, std::string>> written;
    for (const auto& [revision, event] : log) {
        if (event.value.has_value()) {
            written.emplace(event.key, *event.value);
        }
    }
    check::History resolved = history;
    for (check::Operation& op : resolved) {
        if (op.outcome != check::Outcome::kUnknown || op.kind == check::OpKind::kGet) {
            continue;
        }
        ++v.unknown_writes;
        if (written.count({op.key, op.value}) == 0) {
            op.outcome = check::Outcome::kFail;  // its unique value never reached the store
        } else {
            ++v.unknown_applied;
        }
    }
    v.linearizability = check::CheckLinearizable(resolved);
    if (v.linearizability.verdict != check::Verdict::kLinearizable) {
        v.failures.push_back(check::Report(v.linearizability));
    }
    if (workload.watch_unsupported()) {
        v.watch = "unsupported (Watch answered UNIMPLEMENTED)";
    } else {
        const absl::Status s = check::CheckWatches(
            workload.watch_records(),
            check::RevisionFacts{.final_revision = final_revision, .writes = log});
        v.watch = s.ok() ? "ok" : s.ToString();
        if (!s.ok()) {
            v.failures.push_back("watch: " + s.ToString());
        }
    }
    return v;
}

}  // namespace keel::chaos
