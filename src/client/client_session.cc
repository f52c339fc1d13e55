// Client's session calls: registration, keep-alive, close (docs/sessions.md). Session RPCs are
// served by the leader only; a follower's UNAVAILABLE "not leader" makes the runner fail over.
#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "client/client_impl.h"

namespace keel::client {
namespace {

namespace v1 = ::keel::v1;

// Registration is a write outside any session: retrying it may open a second session, which
// is harmless (the unused one expires).
constexpr CallSpec kRegisterSpec{.name = "session register",
                                 .operation = OperationKind::kRead,
                                 .semantics = CallSemantics::kAtLeastOnce};

}  // namespace

absl::StatusOr<uint64_t> ClientImpl::RegisterSession(std::chrono::milliseconds ttl) {
    v1::RegisterClientRequest request;
    request.set_ttl_ms(ttl.count());
    v1::RegisterClientResponse response;
    absl::Status status = runner_.Run(kRegisterSpec, [&](Endpoint& e, grpc::ClientContext& c) {
        response.Clear();
        return e.session->RegisterClient(&c, request, &response);
    });
    if (status.code() == absl::StatusCode::kUnimplemented) {
        return absl::UnimplementedError(
            "keel: the cluster does not serve keel.v1.Session (is it etcd?); exactly-once "
            "writes need keel: use at-least-once or maybe semantics");
    }
    if (!status.ok()) {
        return status;
    }
    if (response.session_id() == 0) {
        return absl::InternalError("keel: the server registered session 0");
    }
    runner_.CountSessionOpened();
    return response.session_id();
}

absl::Status ClientImpl::SessionKeepAlive(uint64_t id) {
    v1::SessionKeepAliveRequest request;
    request.set_session_id(id);
    v1::SessionKeepAliveResponse response;
    const CallSpec spec{.name = "session keepalive", .operation = OperationKind::kRead};
    return runner_.Run(spec, [&](Endpoint& e, grpc::ClientContext& c) {
        return e.session->KeepAlive(&c, request, &response);
    });
}

absl::Status ClientImpl::SessionClose(uint64_t id) {
    v1::SessionCloseRequest request;
    request.set_session_id(id);
    v1::SessionCloseResponse response;
    // Closing twice is harmless (the second gets "expired or unknown").
    const CallSpec spec{.name = "session close", .operation = OperationKind::kRead};
    return runner_.Run(spec, [&](Endpoint& e, grpc::ClientContext& c) {
        return e.session->Close(&c, request, &response);
    });
}

absl::StatusOr<std::shared_ptr<SessionSequence>> ClientImpl::CurrentSession() {
    std::lock_guard lock(session_mu_);
    if (session_ != nullptr) {
        if (session_->expired()) {
            return absl::FailedPreconditionError("keel: session expired or unknown");
        }
        return session_;
    }
    absl::StatusOr<uint64_t> id = RegisterSession(options_.session_ttl);
    if (!id.ok()) {
        return id.status();
    }
    session_ = std::make_shared<SessionSequence>(*id);
    return session_;
}

absl::StatusOr<uint64_t> ClientImpl::OpenSession() {
    absl::StatusOr<uint64_t> id = RegisterSession(options_.session_ttl);
    if (!id.ok()) {
        return id.status();
    }
    std::lock_guard lock(session_mu_);
    session_ = std::make_shared<SessionSequence>(*id);
    return *id;
}

absl::Status ClientImpl::CloseSession() {
    std::shared_ptr<SessionSequence> session;
    {
        std::lock_guard lock(session_mu_);
        session = std::move(session_);
        session_ = nullptr;
    }
    if (session == nullptr || session->expired()) {
        return absl::OkStatus();
    }
    return SessionClose(session->id());
}

uint64_t ClientImpl::session_id() const {
    std::lock_guard lock(session_mu_);
    return session_ == nullptr ? 0 : session_->id();
}

void ClientImpl::KeepSessionAlive() {
    // A third of the TTL leaves two refreshes' worth of slack before the session expires.
    const auto period = std::max(std::chrono::milliseconds(100), options_.session_ttl / 3);
    std::unique_lock lock(session_mu_);
    while (!stopping_) {
        if (session_cv_.wait_for(lock, period, [this] { return stopping_; })) {
            break;
        }
        if (session_ == nullptr || session_->expired()) {
            continue;
        }
        std::shared_ptr<SessionSequence> session = session_;
        lock.unlock();
        const absl::Status status = SessionKeepAlive(session->id());
        if (IsSessionExpired(status)) {
            session->MarkExpired();
        }
        lock.lock();
    }
}

}  // namespace keel::client
