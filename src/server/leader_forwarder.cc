#include "server/leader_forwarder.h"

#include "kv/session_table.h"

namespace keel::server {

// The session table lives in kv (kv/session_table.h).
using kv::kSessionAckHeader;
using kv::kSessionIdHeader;
using kv::kSessionLockHeader;
using kv::kSessionSeqHeader;

bool IsForwarded(const grpc::ServerContextBase& context) {
    return context.client_metadata().count(kForwardedHeader) > 0;
}

etcdserverpb::KV::Stub* LeaderForwarder::StubFor(NodeId leader) {
    const std::optional<std::string> address = peer_address_(leader);
    if (!address.has_value()) {
        return nullptr;
    }
    std::lock_guard lock(mu_);
    std::unique_ptr<etcdserverpb::KV::Stub>& stub = stubs_[*address];
    if (stub == nullptr) {
        grpc::ChannelArguments args;
        args.SetMaxReceiveMessageSize(-1);
        args.SetMaxSendMessageSize(-1);
        stub = etcdserverpb::KV::NewStub(
            grpc::CreateCustomChannel(*address, grpc::InsecureChannelCredentials(), args));
    }
    return stub.get();
}

etcdserverpb::Lease::Stub* LeaderForwarder::LeaseStubFor(NodeId leader) {
    const std::optional<std::string> address = peer_address_(leader);
    if (!address.has_value()) {
        return nullptr;
    }
    std::lock_guard lock(mu_);
    std::unique_ptr<etcdserverpb::Lease::Stub>& stub = lease_stubs_[*address];
    if (stub == nullptr) {
        stub = etcdserverpb::Lease::NewStub(
            grpc::CreateChannel(*address, grpc::InsecureChannelCredentials()));
    }
    return stub.get();
}

keel::v1::Session::Stub* LeaderForwarder::SessionStubFor(NodeId leader) {
    const std::optional<std::string> address = peer_address_(leader);
    if (!address.has_value()) {
        return nullptr;
    }
    std::lock_guard lock(mu_);
    std::unique_ptr<keel::v1::Session::Stub>& stub = session_stubs_[*address];
    if (stub == nullptr) {
        stub = keel::v1::Session::NewStub(
            grpc::CreateChannel(*address, grpc::InsecureChannelCredentials()));
    }
    return stub.get();
}

std::unique_ptr<grpc::ClientContext> LeaderForwarder::ForwardContext(
    const grpc::ServerContextBase& server_context, Deadline deadline) {
    // Cancellation follows the client's call; the deadline is set here because the client's
    // may be unbounded.
    std::unique_ptr<grpc::ClientContext> context = grpc::ClientContext::FromServerContext(
        server_context, grpc::PropagationOptions().disable_deadline_propagation());
    const auto remaining = deadline - Clock::now();
    context->set_deadline(std::chrono::system_clock::now() + remaining);
    context->AddMetadata(kForwardedHeader, "1");
    // A client session's request keeps its session metadata (docs/sessions.md).
    for (const char* name :
         {kSessionIdHeader, kSessionSeqHeader, kSessionAckHeader, kSessionLockHeader}) {
        const auto it = server_context.client_metadata().find(name);
        if (it != server_context.client_metadata().end()) {
            context->AddMetadata(name, std::string(it->second.data(), it->second.size()));
        }
    }
    return context;
}

}  // namespace keel::server
