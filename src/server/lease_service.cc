#include "server/lease_service.h"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

#include "base/assert.h"
#include "kv/errors.h"
#include "kv/limits.h"
#include "server/errors.h"
#include "server/grpc_status.h"
#include "server/kv_service.h"
#include "server/lease_translation.h"
#include "server/limits.h"

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;

// How often a keepalive that arrived during an election looks for the new leader.
constexpr std::chrono::milliseconds kLeaderPollInterval{20};

LeaseId ToLeaseId(int64_t id) {
    return LeaseId(static_cast<uint64_t>(id));
}

// A unary call forwarded to the leader's Lease service, or nullopt to serve it here.
template <typename Request, typename Response, typename Call>
std::optional<grpc::Status> Forward(LeaderForwarder& forwarder,
                                    NodeId leader,
                                    const grpc::ServerContext& context,
                                    const Request& request,
                                    Response* response,
                                    Call call) {
    if (leader.is_none()) {
        return std::nullopt;
    }
    pb::Lease::Stub* stub = forwarder.LeaseStubFor(leader);
    if (stub == nullptr) {
        return std::nullopt;
    }
    std::unique_ptr<grpc::ClientContext> forward =
        LeaderForwarder::ForwardContext(context, RequestDeadline(context));
    return call(*stub, forward.get(), request, response);
}

}  // namespace

template <typename Response>
bool LeaseService::ParseReplayed(const CommandResponse& applied, Response* response) const {
    const auto* replayed = std::get_if<ReplayedResponse>(&applied);
    if (replayed == nullptr) {
        return false;
    }
    // A retransmission in a session (docs/sessions.md): the answer of its first execution.
    KEEL_ASSERT(response->ParseFromString(replayed->serialized));
    FillHeader(node_, response->mutable_header());
    return true;
}

// The follower's half of one client keepalive stream: a stream to the current leader.
struct LeaseService::KeepAliveForward {
    NodeId leader;
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReaderWriter<pb::LeaseKeepAliveRequest, pb::LeaseKeepAliveResponse>>
        stream;

    void Close() {
        if (stream != nullptr) {
            stream->WritesDone();
            context->TryCancel();
            (void)stream->Finish();
        }
        stream.reset();
        context.reset();
        leader = NodeId();
    }

    ~KeepAliveForward() { Close(); }
};

NodeId LeaseService::ForwardTarget(const grpc::ServerContext& context) const {
    const NodeView view = node_.View();
    if (IsForwarded(context) || view.leader == node_.id()) {
        return NodeId();
    }
    return view.leader;
}

grpc::Status LeaseService::LeaseGrant(grpc::ServerContext* context,
                                      const pb::LeaseGrantRequest* request,
                                      pb::LeaseGrantResponse* response) {
    if (request->ttl() > kv::kLeaseTtlSecondsMax) {
        return ToGrpcStatus(kv::LeaseTtlTooLargeError());
    }
    const auto call = [](pb::Lease::Stub& s, grpc::ClientContext* c, const auto& r, auto* out) {
        return s.LeaseGrant(c, r, out);
    };
    if (auto forwarded =
            Forward(forwarder_, ForwardTarget(*context), *context, *request, response, call)) {
        return *forwarded;
    }
    keel::v1::Command command;
    pb::LeaseGrantRequest* grant = command.mutable_lease_grant();
    *grant = *request;
    // etcd raises a short TTL to the minimum; deciding it before the proposal keeps the applied
    // entry the whole truth.
    grant->set_ttl(std::max(request->ttl(), node_.lessor().options().min_ttl_seconds));
    if (const absl::Status session = SetSessionFields(*context, &command); !session.ok()) {
        return ToGrpcStatus(session);
    }
    absl::StatusOr<CommandResponse> applied =
        node_.Propose(std::move(command), RequestDeadline(*context));
    if (!applied.ok()) {
        return ToGrpcStatus(applied.status());
    }
    if (ParseReplayed(*applied, response)) {
        return grpc::Status::OK;
    }
    ToProto(std::get<kv::LeaseGrantResponse>(*applied), response);
    FillHeader(node_, response->mutable_header());
    return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseRevoke(grpc::ServerContext* context,
                                       const pb::LeaseRevokeRequest* request,
                                       pb::LeaseRevokeResponse* response) {
    const auto call = [](pb::Lease::Stub& s, grpc::ClientContext* c, const auto& r, auto* out) {
        return s.LeaseRevoke(c, r, out);
    };
    if (auto forwarded =
            Forward(forwarder_, ForwardTarget(*context), *context, *request, response, call)) {
        return *forwarded;
    }
    keel::v1::Command command;
    *command.mutable_lease_revoke() = *request;
    if (const absl::Status session = SetSessionFields(*context, &command); !session.ok()) {
        return ToGrpcStatus(session);
    }
    absl::StatusOr<CommandResponse> applied =
        node_.Propose(std::move(command), RequestDeadline(*context));
    if (!applied.ok()) {
        return ToGrpcStatus(applied.status());
    }
    if (ParseReplayed(*applied, response)) {
        return grpc::Status::OK;
    }
    ToProto(std::get<kv::LeaseRevokeResponse>(*applied), response);
    FillHeader(node_, response->mutable_header());
    return grpc::Status::OK;
}

absl::Status LeaseService::RenewHere(const grpc::ServerContext& context,
                                     const pb::LeaseKeepAliveRequest& request,
                                     pb::LeaseKeepAliveResponse& response) {
    response.set_id(request.id());
    absl::StatusOr<Lessor::Renewed> renewed =
        node_.lessor().Renew(ToLeaseId(request.id()), Lessor::Clock::now());
    if (!renewed.ok() && renewed.status().code() == absl::StatusCode::kNotFound) {
        response.set_ttl(0);  // etcd: an unknown or expired lease is answered with TTL 0
    } else if (!renewed.ok()) {
        return renewed.status();
    } else {
        response.set_ttl(renewed->ttl_seconds);
        if (renewed->clear_checkpoint) {
            // The checkpointed remaining TTL is stale now: clear it before answering, as etcd
            // does, so a new leader restarts the lease at its full TTL.
            keel::v1::Command clear;
            *clear.mutable_lease_checkpoint() =
                ToProto({kv::LeaseCheckpoint{.id = ToLeaseId(request.id()), .remaining_ttl = 0}});
            if (auto cleared = node_.Propose(std::move(clear), RequestDeadline(context));
                !cleared.ok()) {
                spdlog::warn("lease {:x}: cannot clear its checkpoint: {}",
                             request.id(),
                             cleared.status().ToString());
            }
        }
    }
    FillHeader(node_, response.mutable_header());
    response.mutable_header()->set_revision(static_cast<int64_t>(node_.revision().value()));
    return absl::OkStatus();
}

absl::Status LeaseService::KeepAliveOnce(grpc::ServerContext& context,
                                         const pb::LeaseKeepAliveRequest& request,
                                         pb::LeaseKeepAliveResponse& response,
                                         KeepAliveForward& forward) {
    const Deadline deadline = Clock::now() + kRequestTimeoutDefault;
    absl::Status last = NoLeaderError();
    // Until the deadline: a crashed leader is refused at once, and stays the leader this member
    // knows of until the election timeout has passed here.
    while (Clock::now() < deadline) {
        if (context.IsCancelled()) {
            return absl::CancelledError("keepalive stream cancelled");
        }
        const NodeView view = node_.View();
        if (IsForwarded(context) || view.leader == node_.id()) {
            return RenewHere(context, request, response);
        }
        if (view.leader.is_none()) {
            // An election: wait for its outcome, as etcd's keepalive does.
            std::this_thread::sleep_for(kLeaderPollInterval);
            continue;
        }
        if (forward.stream == nullptr || forward.leader != view.leader) {
            forward.Close();
            pb::Lease::Stub* stub = forwarder_.LeaseStubFor(view.leader);
            if (stub == nullptr) {
                return NotLeaderError();
            }
            forward.leader = view.leader;
            forward.context = grpc::ClientContext::FromServerContext(
                context, grpc::PropagationOptions().disable_deadline_propagation());
            forward.context->AddMetadata(kForwardedHeader, "1");
            forward.stream = stub->LeaseKeepAlive(forward.context.get());
        }
        if (forward.stream->Write(request) && forward.stream->Read(&response)) {
            return absl::OkStatus();
        }
        // The leader went away or refused (its stream ended): find the leader again.
        last = FromGrpcStatus(forward.stream->Finish());
        forward.stream.reset();
        forward.context.reset();
        forward.leader = NodeId();
        std::this_thread::sleep_for(kLeaderPollInterval);
    }
    return last.ok() ? RequestTimeoutError() : last;
}

grpc::Status LeaseService::LeaseKeepAlive(
    grpc::ServerContext* context,
    grpc::ServerReaderWriter<pb::LeaseKeepAliveResponse, pb::LeaseKeepAliveRequest>* stream) {
    KeepAliveForward forward;
    pb::LeaseKeepAliveRequest request;
    while (stream->Read(&request)) {
        pb::LeaseKeepAliveResponse response;
        if (const absl::Status kept = KeepAliveOnce(*context, request, response, forward);
            !kept.ok()) {
            return ToGrpcStatus(kept);
        }
        if (!stream->Write(response)) {
            break;
        }
    }
    return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseTimeToLive(grpc::ServerContext* context,
                                           const pb::LeaseTimeToLiveRequest* request,
                                           pb::LeaseTimeToLiveResponse* response) {
    const auto call = [](pb::Lease::Stub& s, grpc::ClientContext* c, const auto& r, auto* out) {
        return s.LeaseTimeToLive(c, r, out);
    };
    if (auto forwarded =
            Forward(forwarder_, ForwardTarget(*context), *context, *request, response, call)) {
        return *forwarded;
    }
    if (const absl::Status read = node_.WaitReadIndex(RequestDeadline(*context)); !read.ok()) {
        return ToGrpcStatus(read);
    }
    const LeaseId id = ToLeaseId(request->id());
    absl::StatusOr<kv::LeaseTimeToLiveResponse> found =
        node_.LeaseTimeToLive(kv::LeaseTimeToLiveRequest{.id = id, .keys = request->keys()});
    FillHeader(node_, response->mutable_header());
    response->set_id(request->id());
    if (!found.ok() && found.status().code() == absl::StatusCode::kNotFound) {
        response->set_ttl(-1);  // etcd's answer for a lease that does not exist
        return grpc::Status::OK;
    }
    if (!found.ok()) {
        return ToGrpcStatus(found.status());
    }
    response->mutable_header()->set_revision(static_cast<int64_t>(found->header.revision.value()));
    response->set_grantedttl(found->granted_ttl);
    const std::optional<Lessor::Clock::duration> remaining =
        node_.lessor().Remaining(id, Lessor::Clock::now());
    if (remaining.has_value()) {
        response->set_ttl(std::chrono::duration_cast<std::chrono::seconds>(*remaining).count());
    } else {
        // Not the leader any more (or the lease's grant is not applied in the lessor yet): the
        // store's view is the best answer.
        response->set_ttl(found->remaining_ttl_hint.value_or(found->granted_ttl));
    }
    for (const std::string& key : found->keys) {
        response->add_keys(key);
    }
    return grpc::Status::OK;
}

grpc::Status LeaseService::LeaseLeases(grpc::ServerContext* context,
                                       const pb::LeaseLeasesRequest* /*request*/,
                                       pb::LeaseLeasesResponse* response) {
    if (const absl::Status read = node_.WaitReadIndex(RequestDeadline(*context)); !read.ok()) {
        return ToGrpcStatus(read);
    }
    const kv::LeaseLeasesResponse leases = node_.LeaseLeases();
    FillHeader(node_, response->mutable_header());
    response->mutable_header()->set_revision(static_cast<int64_t>(leases.header.revision.value()));
    for (const kv::LeaseStatus& lease : leases.leases) {
        response->add_leases()->set_id(static_cast<int64_t>(lease.id.value()));
    }
    return grpc::Status::OK;
}

}  // namespace keel::server
