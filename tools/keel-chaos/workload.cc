#include "workload.h"

#include <memory>
#include <optional>

#include <grpcpp/grpcpp.h>

#include "base/rng.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace keel::chaos {
namespace {

using namespace std::chrono_literals;

constexpr auto kWatchRetryPause = 100ms;
constexpr auto kClientRetryPause = 20ms;

std::shared_ptr<grpc::Channel> FastReconnectChannel(const std::string& address) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 50);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 300);
    return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

std::string Key(int k) {
    return std::string(kKeyPrefix) + "k" + std::to_string(k);
}

}  // namespace

int64_t Workload::NowNs() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now()
                                                                - options_.epoch)
        .count();
}

void Workload::Start() {
    for (int c = 0; c < options_.clients; ++c) {
        threads_.emplace_back([this, c] { RunClient(c); });
    }
    if (options_.watch) {
        threads_.emplace_back([this] { RunWatcher(); });
    }
}

void Workload::Stop() {
    stopping_ = true;
    {
        std::lock_guard lock(watch_ctx_mu_);
        if (watch_ctx_ != nullptr) {
            static_cast<grpc::ClientContext*>(watch_ctx_)->TryCancel();
        }
    }
    for (std::thread& t : threads_) {
        t.join();
    }
    threads_.clear();
}

check::History Workload::history() const {
    std::lock_guard lock(mu_);
    return history_;
}

std::vector<AckedWrite> Workload::acked_writes() const {
    std::lock_guard lock(mu_);
    return acked_;
}

std::vector<check::WatchRecord> Workload::watch_records() const {
    std::lock_guard lock(mu_);
    return watch_records_;
}

void Workload::RunClient(int client) {
    base::Rng rng(options_.seed * 1000 + static_cast<uint64_t>(client));
    std::map<std::string, std::unique_ptr<etcdserverpb::KV::Stub>> stubs;  // by address
    std::vector<std::string> addresses = options_.addresses();
    size_t member = static_cast<size_t>(client) % addresses.size();
    const auto stub_for = [&](const std::string& address) -> etcdserverpb::KV::Stub& {
        auto& stub = stubs[address];
        if (stub == nullptr) {
            stub = etcdserverpb::KV::NewStub(FastReconnectChannel(address));
        }
        return *stub;
    };
    std::map<std::string, std::optional<std::string>> last_seen;
    for (uint64_t seq = 0; !stopping_; ++seq) {
        check::Operation op{.client = client,
                            .key = Key(static_cast<int>(rng.Uniform(options_.keys)))};
        const uint64_t dice = rng.Uniform(10);
        op.kind =
            dice < 4 ? check::OpKind::kGet : (dice < 7 ? check::OpKind::kPut : check::OpKind::kCas);
        op.value = "c" + std::to_string(client) + "-" + std::to_string(seq);
        op.expected = last_seen[op.key];
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + options_.op_timeout);
        grpc::Status status;
        int64_t revision = 0;
        etcdserverpb::KV::Stub& stub = stub_for(addresses[member % addresses.size()]);
        op.call_ns = NowNs();
        if (op.kind == check::OpKind::kGet) {
            etcdserverpb::RangeRequest req;
            req.set_key(op.key);
            req.set_serializable(options_.serializable_reads);
            etcdserverpb::RangeResponse resp;
            status = stub.Range(&ctx, req, &resp);
            if (status.ok() && resp.kvs_size() > 0) {
                op.output_value = resp.kvs(0).value();
            }
        } else if (op.kind == check::OpKind::kPut) {
            etcdserverpb::PutRequest req;
            req.set_key(op.key);
            req.set_value(op.value);
            etcdserverpb::PutResponse resp;
            status = stub.Put(&ctx, req, &resp);
            revision = resp.header().revision();
        } else {
            etcdserverpb::TxnRequest req;
            etcdserverpb::Compare* cmp = req.add_compare();
            cmp->set_key(op.key);
            cmp->set_result(etcdserverpb::Compare::EQUAL);
            if (op.expected.has_value()) {
                cmp->set_target(etcdserverpb::Compare::VALUE);
                cmp->set_value(*op.expected);
            } else {
                cmp->set_target(etcdserverpb::Compare::VERSION);
                cmp->set_version(0);
            }
            etcdserverpb::PutRequest* put = req.add_success()->mutable_request_put();
            put->set_key(op.key);
            put->set_value(op.value);
            req.add_failure()->mutable_request_range()->set_key(op.key);
            etcdserverpb::TxnResponse resp;
            status = stub.Txn(&ctx, req, &resp);
            op.output_swapped = resp.succeeded();
            revision = resp.header().revision();
            if (status.ok() && !resp.succeeded() && resp.responses_size() == 1) {
                const auto& kvs = resp.responses(0).response_range().kvs();
                last_seen[op.key] =
                    kvs.empty() ? std::nullopt : std::optional<std::string>(kvs[0].value());
            }
        }
        op.return_ns = NowNs();
        if (status.ok()) {
            op.outcome = check::Outcome::kOk;
            if (op.kind == check::OpKind::kGet) {
                last_seen[op.key] = op.output_value;
            } else if (op.kind == check::OpKind::kPut || op.output_swapped) {
                last_seen[op.key] = op.value;
            }
        } else {
            op.outcome =
                op.kind == check::OpKind::kGet ? check::Outcome::kFail : check::Outcome::kUnknown;
            addresses = options_.addresses();  // never empty: there is always a membership
            member = (member + 1) % addresses.size();
        }
        const bool wrote = op.outcome == check::Outcome::kOk
                           && (op.kind == check::OpKind::kPut || op.output_swapped);
        {
            std::lock_guard lock(mu_);
            if (wrote) {
                acked_.push_back(
                    AckedWrite{.key = op.key, .value = op.value, .revision = revision});
            }
            history_.push_back(std::move(op));
        }
        if (!status.ok()) {
            std::this_thread::sleep_for(kClientRetryPause);
        }
    }
}

void Workload::RunWatcher() {
    size_t member = 0;
    int64_t next_revision = 0;
    int watcher = 0;
    while (!stopping_) {
        const std::vector<std::string> addresses = options_.addresses();
        member %= addresses.size();
        auto kv = etcdserverpb::KV::NewStub(FastReconnectChannel(addresses[member]));
        auto watch = etcdserverpb::Watch::NewStub(FastReconnectChannel(addresses[member]));
        if (next_revision == 0) {
            grpc::ClientContext ctx;
            ctx.set_deadline(std::chrono::system_clock::now() + options_.op_timeout);
            etcdserverpb::RangeRequest req;
            req.set_key(kKeyPrefix);
            req.set_range_end(kKeyPrefixEnd);
            req.set_count_only(true);
            etcdserverpb::RangeResponse resp;
            if (!kv->Range(&ctx, req, &resp).ok()) {
                ++member;
                std::this_thread::sleep_for(kWatchRetryPause);
                continue;
            }
            next_revision = resp.header().revision() + 1;
            watch_start_revision_ = next_revision;
        }
        grpc::ClientContext ctx;
        {
            std::lock_guard lock(watch_ctx_mu_);
            if (stopping_) {
                break;
            }
            watch_ctx_ = &ctx;
        }
        check::WatchRecord record{.watcher = watcher++, .start_revision = next_revision};
        auto stream = watch->Watch(&ctx);
        etcdserverpb::WatchRequest create;
        create.mutable_create_request()->set_key(kKeyPrefix);
        create.mutable_create_request()->set_range_end(kKeyPrefixEnd);
        create.mutable_create_request()->set_start_revision(next_revision);
        etcdserverpb::WatchResponse resp;
        if (stream->Write(create)) {
            while (stream->Read(&resp)) {
                if (resp.canceled()) {
                    break;
                }
                for (const auto& ev : resp.events()) {
                    record.events.push_back(check::WatchEvent{
                        .revision = ev.kv().mod_revision(),
                        .key = ev.kv().key(),
                        .value = ev.type() == mvccpb::Event::DELETE
                                     ? std::nullopt
                                     : std::optional<std::string>(ev.kv().value())});
                    next_revision = ev.kv().mod_revision() + 1;
                }
            }
        }
        stream->WritesDone();
        const grpc::Status status = stream->Finish();
        {
            std::lock_guard lock(watch_ctx_mu_);
            watch_ctx_ = nullptr;
        }
        if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
            watch_unsupported_ = true;
            return;
        }
        {
            std::lock_guard lock(mu_);
            watch_records_.push_back(std::move(record));
        }
        ++member;
        std::this_thread::sleep_for(kWatchRetryPause);
    }
}

}  // namespace keel::chaos
