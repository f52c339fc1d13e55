#include "server/session_service.h"

#include "base/assert.h"
#include "server/grpc_status.h"
#include "server/kv_service.h"

namespace keel::server {

keel::v1::Session::Stub* SessionService::ForwardStub(const grpc::ServerContext& context) const {
    const NodeView view = node_.View();
    if (IsForwarded(context) || view.leader.is_none() || view.leader == node_.id()) {
        return nullptr;
    }
    return forwarder_.SessionStubFor(view.leader);
}

absl::StatusOr<SessionOpResponse> SessionService::Apply(grpc::ServerContext* context,
                                                        keel::v1::Command command,
                                                        etcdserverpb::ResponseHeader* header) {
    absl::StatusOr<CommandResponse> applied =
        node_.Propose(std::move(command), RequestDeadline(*context));
    if (!applied.ok()) {
        return applied.status();
    }
    KEEL_ASSERT(std::holds_alternative<SessionOpResponse>(*applied));
    const SessionOpResponse answer = std::get<SessionOpResponse>(*applied);
    FillHeader(node_, header);
    header->set_revision(static_cast<int64_t>(answer.revision.value()));
    return answer;
}

grpc::Status SessionService::RegisterClient(grpc::ServerContext* context,
                                            const keel::v1::RegisterClientRequest* request,
                                            keel::v1::RegisterClientResponse* response) {
    if (keel::v1::Session::Stub* leader = ForwardStub(*context)) {
        std::unique_ptr<grpc::ClientContext> forward =
            LeaderForwarder::ForwardContext(*context, RequestDeadline(*context));
        return leader->RegisterClient(forward.get(), *request, response);
    }
    keel::v1::Command command;
    *command.mutable_register_client() = *request;
    absl::StatusOr<SessionOpResponse> answer =
        Apply(context, std::move(command), response->mutable_header());
    if (!answer.ok()) {
        return ToGrpcStatus(answer.status());
    }
    response->set_session_id(answer->session_id);
    response->set_ttl_ms(answer->ttl_ms);
    return grpc::Status::OK;
}

grpc::Status SessionService::KeepAlive(grpc::ServerContext* context,
                                       const keel::v1::SessionKeepAliveRequest* request,
                                       keel::v1::SessionKeepAliveResponse* response) {
    if (keel::v1::Session::Stub* leader = ForwardStub(*context)) {
        std::unique_ptr<grpc::ClientContext> forward =
            LeaderForwarder::ForwardContext(*context, RequestDeadline(*context));
        return leader->KeepAlive(forward.get(), *request, response);
    }
    keel::v1::Command command;
    *command.mutable_session_keep_alive() = *request;
    absl::StatusOr<SessionOpResponse> answer =
        Apply(context, std::move(command), response->mutable_header());
    if (!answer.ok()) {
        return ToGrpcStatus(answer.status());
    }
    response->set_session_id(answer->session_id);
    response->set_ttl_ms(answer->ttl_ms);
    return grpc::Status::OK;
}

grpc::Status SessionService::Close(grpc::ServerContext* context,
                                   const keel::v1::SessionCloseRequest* request,
                                   keel::v1::SessionCloseResponse* response) {
    if (keel::v1::Session::Stub* leader = ForwardStub(*context)) {
        std::unique_ptr<grpc::ClientContext> forward =
            LeaderForwarder::ForwardContext(*context, RequestDeadline(*context));
        return leader->Close(forward.get(), *request, response);
    }
    keel::v1::Command command;
    *command.mutable_session_close() = *request;
    absl::StatusOr<SessionOpResponse> answer =
        Apply(context, std::move(command), response->mutable_header());
    return answer.ok() ? grpc::Status::OK : ToGrpcStatus(answer.status());
}

}  // namespace keel::server
