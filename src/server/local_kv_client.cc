#include "server/local_kv_client.h"

#include "server/limits.h"

namespace keel::server {
namespace {

std::unique_ptr<grpc::ClientContext> CallContext(const LocalKvClient::Metadata& metadata = {}) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + kRequestTimeoutDefault);
    for (const auto& [name, value] : metadata) {
        context->AddMetadata(name, value);
    }
    return context;
}

grpc::Status NotConnected() {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "etcdserver: server is not serving yet");
}

}  // namespace

void LocalKvClient::Connect(const std::shared_ptr<grpc::Channel>& channel) {
    std::lock_guard lock(mu_);
    stub_ = etcdserverpb::KV::NewStub(channel);
}

etcdserverpb::KV::Stub* LocalKvClient::stub() {
    std::lock_guard lock(mu_);
    return stub_.get();
}

grpc::Status LocalKvClient::Range(const etcdserverpb::RangeRequest& request,
                                  etcdserverpb::RangeResponse* response) {
    etcdserverpb::KV::Stub* s = stub();
    return s == nullptr ? NotConnected() : s->Range(CallContext().get(), request, response);
}

grpc::Status LocalKvClient::Txn(const etcdserverpb::TxnRequest& request,
                                etcdserverpb::TxnResponse* response,
                                const Metadata& metadata) {
    etcdserverpb::KV::Stub* s = stub();
    return s == nullptr ? NotConnected() : s->Txn(CallContext(metadata).get(), request, response);
}

grpc::Status LocalKvClient::DeleteRange(const etcdserverpb::DeleteRangeRequest& request,
                                        etcdserverpb::DeleteRangeResponse* response,
                                        const Metadata& metadata) {
    etcdserverpb::KV::Stub* s = stub();
    return s == nullptr ? NotConnected()
                        : s->DeleteRange(CallContext(metadata).get(), request, response);
}

}  // namespace keel::server
