#include "keel-bench/watch_fanout.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>

#include <absl/status/status.h>
#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "keel-bench/key_source.h"
#include "keel-bench/request_driver.h"

namespace keel::bench {
namespace {

namespace pb = ::etcdserverpb;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kCreateTimeout = 10s;
constexpr auto kDrainTimeout = 5s;
constexpr auto kPollInterval = 5ms;

// One watch stream. Exactly one operation is outstanding at a time, so the Watcher itself is
// the completion-queue tag and `state` says which operation completed.
struct Watcher {
    enum class State : uint8_t {
        kStarting = 0,
        kCreating = 1,
        kReading = 2,
        kFinishing = 3,
        kDone = 4,
    };

    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientAsyncReaderWriter<pb::WatchRequest, pb::WatchResponse>> stream;
    pb::WatchRequest create;
    pb::WatchResponse response;
    grpc::Status status;
    State state = State::kStarting;
    bool created = false;
};

// Counters the watch threads update and the main thread reads while it waits.
struct Progress {
    std::atomic<uint64_t> created{0};
    std::atomic<uint64_t> failed{0};
    std::atomic<uint64_t> events{0};
    std::mutex mu;
    std::string first_error;       // guarded by mu
    Clock::time_point last_event;  // guarded by mu
};

class WatchThread {
public:
    WatchThread(Progress& progress, pb::WatchRequest create)
        : progress_(progress), create_(std::move(create)) {}

    void Add(pb::Watch::Stub* stub) {
        auto w = std::make_unique<Watcher>();
        w->create = create_;
        w->stream = stub->PrepareAsyncWatch(&w->context, &cq_);
        watchers_.push_back(std::move(w));
    }

    void Start() {
        for (auto& w : watchers_) {
            w->stream->StartCall(w.get());
        }
        thread_ = std::thread([this] { Poll(); });
    }

    void Cancel() {
        for (auto& w : watchers_) {
            w->context.TryCancel();
        }
    }

    void Join() {
        thread_.join();
        cq_.Shutdown();
        void* tag = nullptr;
        bool ok = false;
        while (cq_.Next(&tag, &ok)) {
        }
    }

    const LatencyHistogram& delivery() const { return delivery_; }

private:
    void Poll() {
        size_t done = 0;
        while (done < watchers_.size()) {
            void* tag = nullptr;
            bool ok = false;
            KEEL_ASSERT(cq_.Next(&tag, &ok));
            Watcher& w = *static_cast<Watcher*>(tag);
            Step(w, ok);
            if (w.state == Watcher::State::kDone) {
                ++done;
            }
        }
    }

    void Step(Watcher& w, bool ok) {
        if (w.state == Watcher::State::kFinishing) {
            w.state = Watcher::State::kDone;
            if (!w.created) {
                std::lock_guard lock(progress_.mu);
                if (progress_.first_error.empty()) {
                    progress_.first_error =
                        absl::StrCat(absl::StatusCodeToString(
                                         static_cast<absl::StatusCode>(w.status.error_code())),
                                     ": ",
                                     w.status.error_message());
                }
                progress_.failed.fetch_add(1);
            }
            return;
        }
        if (!ok) {
            w.state = Watcher::State::kFinishing;
            w.stream->Finish(&w.status, &w);
            return;
        }
        switch (w.state) {
            case Watcher::State::kStarting:
                w.state = Watcher::State::kCreating;
                w.stream->Write(w.create, &w);
                return;
            case Watcher::State::kCreating:
                w.state = Watcher::State::kReading;
                w.stream->Read(&w.response, &w);
                return;
            case Watcher::State::kReading:
                OnResponse(w);
                w.stream->Read(&w.response, &w);
                return;
            default:
                KEEL_UNREACHABLE();
        }
    }

    void OnResponse(Watcher& w) {
        if (w.response.created() && !w.created) {
            w.created = true;
            progress_.created.fetch_add(1);
        }
        if (w.response.events_size() == 0) {
            return;
        }
        const Clock::time_point now = Clock::now();
        for (const auto& event : w.response.events()) {
            const int64_t due_ns = StampOf(event.kv().value());
            const int64_t latency_ns = now.time_since_epoch().count() - due_ns;
            delivery_.Record(static_cast<uint64_t>(std::max<int64_t>(0, latency_ns)));
        }
        progress_.events.fetch_add(static_cast<uint64_t>(w.response.events_size()));
        std::lock_guard lock(progress_.mu);
        progress_.last_event = std::max(progress_.last_event, now);
    }

    Progress& progress_;
    pb::WatchRequest create_;
    grpc::CompletionQueue cq_;
    std::vector<std::unique_ptr<Watcher>> watchers_;
    std::thread thread_;
    LatencyHistogram delivery_;
};

// Waits until `done()` or `timeout`; true if done.
template <typename Done>
bool WaitUntil(Done done, Clock::duration timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    while (!done()) {
        if (Clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(kPollInterval);
    }
    return true;
}

}  // namespace

absl::StatusOr<WatchResult> RunWatchFanout(const BenchOptions& options,
                                           const std::vector<Connection>& connections) {
    KEEL_ASSERT(!connections.empty());
    BenchOptions writer = options;
    writer.workload = Workload::kPut;
    if (writer.key_prefix.empty()) {
        writer.key_prefix = "w/";
    }
    pb::WatchRequest create;
    create.mutable_create_request()->set_key(writer.key_prefix);
    create.mutable_create_request()->set_range_end(PrefixRangeEnd(writer.key_prefix));

    Progress progress;
    std::vector<std::unique_ptr<WatchThread>> threads;
    for (int t = 0; t < std::max(1, options.threads); ++t) {
        threads.push_back(std::make_unique<WatchThread>(progress, create));
    }
    for (int i = 0; i < options.watchers; ++i) {
        const Connection& c = connections[static_cast<size_t>(i) % connections.size()];
        threads[static_cast<size_t>(i) % threads.size()]->Add(c.watch.get());
    }
    for (auto& t : threads) {
        t->Start();
    }
    const auto watchers = static_cast<uint64_t>(options.watchers);
    const bool created =
        WaitUntil([&] { return progress.created.load() + progress.failed.load() >= watchers; },
                  kCreateTimeout);
    absl::StatusOr<RunResult> writes = absl::UnavailableError("");
    const Clock::time_point start = Clock::now();
    if (created && progress.failed.load() == 0) {
        writes = RunRequests(writer, connections, ValueStamp::kDueTime);
        if (writes.ok()) {
            const uint64_t expected = writes->succeeded * watchers;
            WaitUntil([&] { return progress.events.load() >= expected; }, kDrainTimeout);
        }
    }
    for (auto& t : threads) {
        t->Cancel();
    }
    for (auto& t : threads) {
        t->Join();
    }
    if (!created || progress.failed.load() > 0) {
        return absl::UnavailableError(absl::StrCat("watchers were not created (",
                                                   progress.created.load(),
                                                   " of ",
                                                   watchers,
                                                   "): ",
                                                   progress.first_error));
    }
    if (!writes.ok()) {
        return writes.status();
    }
    WatchResult result;
    result.writes = *std::move(writes);
    for (auto& t : threads) {
        result.delivery.Merge(t->delivery());
    }
    result.watchers = watchers;
    result.events = progress.events.load();
    result.events_expected = result.writes.succeeded * watchers;
    {
        std::lock_guard lock(progress.mu);
        result.seconds = progress.last_event > start
                             ? std::chrono::duration<double>(progress.last_event - start).count()
                             : 0;
    }
    return result;
}

}  // namespace keel::bench
