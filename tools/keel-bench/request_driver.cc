#include "keel-bench/request_driver.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <thread>

#include <absl/container/flat_hash_map.h>
#include <absl/status/status.h>
#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "keel-bench/key_source.h"
#include "keel-bench/sessions.h"

namespace keel::bench {
namespace {

namespace pb = ::etcdserverpb;
using Clock = std::chrono::steady_clock;

// The most due requests an open-loop thread holds back while every client is busy; beyond it
// the server is so far behind that the run measures nothing more by continuing.
constexpr size_t kBacklogMax = size_t{1} << 24;

enum class OpKind : uint8_t {
    kPut = 0,
    kRange = 1,
    kTxn = 2,
};

// One client: at most one request in flight, its messages reused from call to call.
struct Call {
    pb::KV::Stub* kv = nullptr;
    std::unique_ptr<grpc::ClientContext> context;
    grpc::Status status;
    OpKind kind = OpKind::kPut;
    uint64_t key_index = 0;
    Clock::time_point due;
    // The client's keel session (0: none) and the seq of its latest write.
    uint64_t session_id = 0;
    uint64_t seq = 0;

    pb::PutRequest put;
    pb::PutResponse put_response;
    std::unique_ptr<grpc::ClientAsyncResponseReader<pb::PutResponse>> put_reader;
    pb::RangeRequest range;
    pb::RangeResponse range_response;
    std::unique_ptr<grpc::ClientAsyncResponseReader<pb::RangeResponse>> range_reader;
    pb::TxnRequest txn;
    pb::TxnResponse txn_response;
    std::unique_ptr<grpc::ClientAsyncResponseReader<pb::TxnResponse>> txn_reader;
};

// What the worker threads share: the request budget and the clock of the run.
struct Budget {
    std::atomic<uint64_t> issued{0};
    uint64_t total = 0;
    Clock::time_point start;
    Clock::time_point end;

    // Claims one request that is due at `due`; false once the run has issued all it may.
    bool Claim(Clock::time_point due) {
        if (due >= end) {
            return false;
        }
        return issued.fetch_add(1, std::memory_order_relaxed) < total;
    }
};

std::chrono::system_clock::time_point ToSystem(Clock::time_point t) {
    return std::chrono::system_clock::now()
           + std::chrono::duration_cast<std::chrono::system_clock::duration>(t - Clock::now());
}

// One worker thread: a completion queue and the clients it polls.
class Worker {
public:
    Worker(const BenchOptions& options,
           KeySource keys,
           ValueStamp stamp,
           Budget& budget,
           int thread_index,
           int thread_count,
           uint64_t seed)
        : options_(options),
          keys_(std::move(keys)),
          stamp_(stamp),
          budget_(budget),
          thread_index_(thread_index),
          thread_count_(thread_count),
          rng_(seed) {
        value_.resize(options.val_size);
        for (char& c : value_) {
            c = static_cast<char>('a' + rng_() % 26);
        }
    }

    void AddClient(pb::KV::Stub* kv, uint64_t session_id) {
        calls_.push_back(std::make_unique<Call>());
        calls_.back()->kv = kv;
        calls_.back()->session_id = session_id;
        calls_.back()->range.set_serializable(options_.consistency == Consistency::kSerializable);
    }

    void Run() {
        if (options_.rate > 0) {
            RunOpenLoop();
        } else {
            RunClosedLoop();
        }
        cq_.Shutdown();
        void* tag = nullptr;
        bool ok = false;
        while (cq_.Next(&tag, &ok)) {
        }
    }

    RunResult& result() { return result_; }

private:
    void RunClosedLoop() {
        int in_flight = 0;
        for (auto& call : calls_) {
            const Clock::time_point now = Clock::now();
            if (!budget_.Claim(now)) {
                break;
            }
            Send(*call, now);
            ++in_flight;
        }
        while (in_flight > 0) {
            void* tag = nullptr;
            bool ok = false;
            KEEL_ASSERT(cq_.Next(&tag, &ok));
            Call& call = *static_cast<Call*>(tag);
            Complete(call, ok);
            const Clock::time_point now = Clock::now();
            if (budget_.Claim(now)) {
                Send(call, now);
            } else {
                --in_flight;
            }
        }
    }

    void RunOpenLoop() {
        const auto interval = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(thread_count_ / options_.rate));
        // The threads' schedules interleave: together they are due every interval / threads.
        Clock::time_point next_due = budget_.start + interval * thread_index_ / thread_count_;
        std::vector<Call*> free;
        for (auto& call : calls_) {
            free.push_back(call.get());
        }
        std::deque<Clock::time_point> backlog;
        bool scheduling = true;
        size_t in_flight = 0;
        while (scheduling || in_flight > 0) {
            for (const Clock::time_point now = Clock::now(); scheduling && next_due <= now;
                 next_due += interval) {
                if (!budget_.Claim(next_due)) {
                    scheduling = false;
                } else if (!free.empty()) {
                    Send(*free.back(), next_due);
                    free.pop_back();
                    ++in_flight;
                } else {
                    KEEL_ASSERT_MSG(backlog.size() < kBacklogMax, "open-loop backlog overflow");
                    backlog.push_back(next_due);
                    result_.backlog_max = std::max<uint64_t>(result_.backlog_max, backlog.size());
                }
            }
            if (!scheduling && in_flight == 0) {
                break;
            }
            const Clock::time_point wake =
                scheduling ? next_due : Clock::now() + std::chrono::hours(1);
            void* tag = nullptr;
            bool ok = false;
            if (cq_.AsyncNext(&tag, &ok, ToSystem(wake)) != grpc::CompletionQueue::GOT_EVENT) {
                continue;
            }
            Call& call = *static_cast<Call*>(tag);
            Complete(call, ok);
            if (!backlog.empty()) {
                Send(call, backlog.front());
                backlog.pop_front();
            } else {
                free.push_back(&call);
                --in_flight;
            }
        }
    }

    OpKind NextKind() {
        switch (options_.workload) {
            case Workload::kPut:
            case Workload::kWatch:
                return OpKind::kPut;
            case Workload::kRange:
                return OpKind::kRange;
            case Workload::kTxn:
                return OpKind::kTxn;
            case Workload::kMixed:
                return std::uniform_real_distribution<double>(0, 1)(rng_) < options_.read_ratio
                           ? OpKind::kRange
                           : OpKind::kPut;
        }
        KEEL_UNREACHABLE();
    }

    const std::string& Value(Clock::time_point due) {
        if (stamp_ == ValueStamp::kDueTime) {
            const int64_t ns = due.time_since_epoch().count();
            KEEL_ASSERT(value_.size() >= sizeof(ns));
            std::memcpy(value_.data(), &ns, sizeof(ns));
        }
        return value_;
    }

    void Send(Call& call, Clock::time_point due) {
        call.due = due;
        call.kind = NextKind();
        call.key_index = keys_.NextIndex();
        call.context = std::make_unique<grpc::ClientContext>();
        call.context->set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
        if (call.session_id != 0 && call.kind != OpKind::kRange) {
            // One request in flight per client: every earlier answer has arrived.
            ++call.seq;
            call.context->AddMetadata("keel-session-id", std::to_string(call.session_id));
            call.context->AddMetadata("keel-seq", std::to_string(call.seq));
            call.context->AddMetadata("keel-ack", std::to_string(call.seq));
        }
        std::string key = keys_.Key(call.key_index);
        switch (call.kind) {
            case OpKind::kPut:
                call.put.set_key(std::move(key));
                call.put.set_value(Value(due));
                call.put_reader = call.kv->AsyncPut(call.context.get(), call.put, &cq_);
                call.put_reader->Finish(&call.put_response, &call.status, &call);
                return;
            case OpKind::kRange:
                call.range.set_key(std::move(key));
                call.range_reader = call.kv->AsyncRange(call.context.get(), call.range, &cq_);
                call.range_reader->Finish(&call.range_response, &call.status, &call);
                return;
            case OpKind::kTxn:
                BuildCompareAndSwap(call, std::move(key));
                call.txn_reader = call.kv->AsyncTxn(call.context.get(), call.txn, &cq_);
                call.txn_reader->Finish(&call.txn_response, &call.status, &call);
                return;
        }
        KEEL_UNREACHABLE();
    }

    // If mod_revision(key) == the revision this thread last saw for it (0: absent) Then put the
    // new value Else read the key, to learn its revision for the next try.
    void BuildCompareAndSwap(Call& call, std::string key) {
        const auto known = mod_revisions_.find(call.key_index);
        call.txn.Clear();
        pb::Compare* compare = call.txn.add_compare();
        compare->set_result(pb::Compare::EQUAL);
        compare->set_target(pb::Compare::MOD);
        compare->set_key(key);
        compare->set_mod_revision(known == mod_revisions_.end() ? 0 : known->second);
        pb::PutRequest* put = call.txn.add_success()->mutable_request_put();
        put->set_key(key);
        put->set_value(Value(call.due));
        call.txn.add_failure()->mutable_request_range()->set_key(std::move(key));
    }

    void Complete(Call& call, bool ok) {
        KEEL_ASSERT(ok);  // unary Finish always completes
        if (!call.status.ok()) {
            ++result_.failed;
            ++result_.errors[absl::StrCat(
                absl::StatusCodeToString(static_cast<absl::StatusCode>(call.status.error_code())),
                ": ",
                call.status.error_message())];
            return;
        }
        const Clock::time_point now = Clock::now();
        result_.latency.Record(static_cast<uint64_t>((now - call.due).count()));
        result_.seconds = std::chrono::duration<double>(now - budget_.start).count();
        ++result_.succeeded;
        switch (call.kind) {
            case OpKind::kPut:
                ++result_.writes;
                return;
            case OpKind::kRange:
                ++result_.reads;
                return;
            case OpKind::kTxn:
                ++result_.writes;
                LearnRevision(call);
                return;
        }
    }

    void LearnRevision(const Call& call) {
        const pb::TxnResponse& r = call.txn_response;
        if (r.succeeded()) {
            ++result_.cas_won;
            mod_revisions_[call.key_index] = r.header().revision();
            return;
        }
        ++result_.cas_lost;
        int64_t revision = 0;
        if (r.responses_size() == 1 && r.responses(0).response_range().kvs_size() == 1) {
            revision = r.responses(0).response_range().kvs(0).mod_revision();
        }
        mod_revisions_[call.key_index] = revision;
    }

    const BenchOptions& options_;
    KeySource keys_;
    ValueStamp stamp_;
    Budget& budget_;
    int thread_index_;
    int thread_count_;
    std::mt19937_64 rng_;
    std::string value_;
    grpc::CompletionQueue cq_;
    std::vector<std::unique_ptr<Call>> calls_;
    absl::flat_hash_map<uint64_t, int64_t> mod_revisions_;
    RunResult result_;
};

}  // namespace

int64_t StampOf(const std::string& value) {
    int64_t ns = 0;
    if (value.size() < sizeof(ns)) {
        return 0;
    }
    std::memcpy(&ns, value.data(), sizeof(ns));
    return ns;
}

absl::StatusOr<RunResult> RunRequests(const BenchOptions& options,
                                      const std::vector<Connection>& connections,
                                      ValueStamp stamp) {
    KEEL_ASSERT(!connections.empty());
    KEEL_ASSERT(options.clients > 0);
    KEEL_ASSERT(options.threads > 0);
    if (stamp == ValueStamp::kDueTime && options.val_size < sizeof(int64_t)) {
        return absl::InvalidArgumentError("--val-size must be at least 8 to carry a timestamp");
    }
    Budget budget;
    budget.total = options.total;
    std::vector<std::unique_ptr<Worker>> workers;
    const int threads = std::min(options.threads, options.clients);
    for (int t = 0; t < threads; ++t) {
        const uint64_t seed = 0x6b65656c + static_cast<uint64_t>(t);
        absl::StatusOr<KeySource> keys = KeySource::Create(options, seed);
        if (!keys.ok()) {
            return keys.status();
        }
        workers.push_back(
            std::make_unique<Worker>(options, *std::move(keys), stamp, budget, t, threads, seed));
    }
    std::vector<uint64_t> sessions(static_cast<size_t>(options.clients), 0);
    if (options.session) {
        absl::StatusOr<std::vector<uint64_t>> registered =
            RegisterSessions(connections, options.clients);
        if (!registered.ok()) {
            return registered.status();
        }
        sessions = *std::move(registered);
    }
    for (int c = 0; c < options.clients; ++c) {
        const Connection& connection = connections[static_cast<size_t>(c) % connections.size()];
        workers[static_cast<size_t>(c % threads)]->AddClient(connection.kv.get(),
                                                             sessions[static_cast<size_t>(c)]);
    }
    budget.start = Clock::now();
    budget.end =
        options.duration.count() > 0 ? budget.start + options.duration : Clock::time_point::max();
    std::vector<std::thread> running;
    for (auto& worker : workers) {
        running.emplace_back([&worker] { worker->Run(); });
    }
    RunResult result;
    for (const Connection& connection : connections) {
        if (std::find(result.endpoints.begin(), result.endpoints.end(), connection.endpoint)
            == result.endpoints.end()) {
            result.endpoints.push_back(connection.endpoint);
        }
    }
    for (size_t t = 0; t < running.size(); ++t) {
        running[t].join();
        result.Merge(workers[t]->result());
    }
    return result;
}

}  // namespace keel::bench
