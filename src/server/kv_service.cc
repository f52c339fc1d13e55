#include "server/kv_service.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>

#include "base/limits.h"
#include "base/status.h"
#include "kv/limits.h"
#include "kv/session_table.h"
#include "kv/txn.h"
#include "server/errors.h"
#include "server/grpc_status.h"
#include "server/kv_translation.h"
#include "server/limits.h"

namespace keel::server {

// The session table lives in kv (kv/session_table.h).
using kv::kSessionAckHeader;
using kv::kSessionIdHeader;
using kv::kSessionLockHeader;
using kv::kSessionSeqHeader;

namespace {

namespace pb = ::etcdserverpb;

// For each write request type: its Command field, its response types and its KV method.
template <typename Request>
struct WriteTraits;

template <>
struct WriteTraits<pb::PutRequest> {
    using Response = pb::PutResponse;
    using StoreResponse = kv::PutResponse;

    static void Set(const pb::PutRequest& r, keel::v1::Command* c) { *c->mutable_put() = r; }

    static void Call(pb::KV::Stub& s,
                     grpc::ClientContext* c,
                     const pb::PutRequest& r,
                     pb::PutResponse* out,
                     std::function<void(grpc::Status)> done) {
        s.async()->Put(c, &r, out, std::move(done));
    }
};

template <>
struct WriteTraits<pb::DeleteRangeRequest> {
    using Response = pb::DeleteRangeResponse;
    using StoreResponse = kv::DeleteRangeResponse;

    static void Set(const pb::DeleteRangeRequest& r, keel::v1::Command* c) {
        *c->mutable_delete_range() = r;
    }

    static void Call(pb::KV::Stub& s,
                     grpc::ClientContext* c,
                     const pb::DeleteRangeRequest& r,
                     pb::DeleteRangeResponse* out,
                     std::function<void(grpc::Status)> done) {
        s.async()->DeleteRange(c, &r, out, std::move(done));
    }
};

template <>
struct WriteTraits<pb::TxnRequest> {
    using Response = pb::TxnResponse;
    using StoreResponse = kv::TxnResponse;

    static void Set(const pb::TxnRequest& r, keel::v1::Command* c) { *c->mutable_txn() = r; }

    static void Call(pb::KV::Stub& s,
                     grpc::ClientContext* c,
                     const pb::TxnRequest& r,
                     pb::TxnResponse* out,
                     std::function<void(grpc::Status)> done) {
        s.async()->Txn(c, &r, out, std::move(done));
    }
};

template <>
struct WriteTraits<pb::CompactionRequest> {
    using Response = pb::CompactionResponse;
    using StoreResponse = kv::CompactionResponse;

    static void Set(const pb::CompactionRequest& r, keel::v1::Command* c) {
        *c->mutable_compaction() = r;
    }

    static void Call(pb::KV::Stub& s,
                     grpc::ClientContext* c,
                     const pb::CompactionRequest& r,
                     pb::CompactionResponse* out,
                     std::function<void(grpc::Status)> done) {
        s.async()->Compact(c, &r, out, std::move(done));
    }
};

// The checks etcd's API layer makes before a write is ordered. Txns are also checked against
// the state machine's static rules (operation counts, duplicate keys) so that an invalid txn
// costs no log entry; the apply checks them again, deterministically.
template <typename Request>
absl::Status Validate(const Request& request, const RequestLimits& limits) {
    if (request.ByteSizeLong() > limits.request_bytes_max) {
        return RequestTooLargeError();
    }
    auto converted = FromProto(request);
    if (!converted.ok()) {
        return converted.status();
    }
    if constexpr (std::is_same_v<Request, pb::TxnRequest>) {
        return kv::ValidateTxn(*converted, limits.txn_ops_max);
    }
    return absl::OkStatus();
}

// Reads one numeric session header; nullopt when absent.
absl::StatusOr<std::optional<uint64_t>> SessionHeader(const grpc::ServerContextBase& context,
                                                      const char* name) {
    const auto& metadata = context.client_metadata();
    const auto it = metadata.find(name);
    if (it == metadata.end()) {
        return std::nullopt;
    }
    const std::string text(it->second.data(), it->second.size());
    uint64_t value = 0;
    if (text.empty() || !absl::SimpleAtoi(text, &value)) {
        return absl::InvalidArgumentError(absl::StrCat("keel: bad ", name, " metadata: ", text));
    }
    return std::optional<uint64_t>(value);
}

}  // namespace

absl::Status SetSessionFields(const grpc::ServerContextBase& context, keel::v1::Command* command) {
    auto id = SessionHeader(context, kSessionIdHeader);
    auto seq = SessionHeader(context, kSessionSeqHeader);
    auto ack = SessionHeader(context, kSessionAckHeader);
    KEEL_RETURN_IF_ERROR(id.status());
    KEEL_RETURN_IF_ERROR(seq.status());
    KEEL_RETURN_IF_ERROR(ack.status());
    if (!id->has_value()) {
        return absl::OkStatus();
    }
    if (**id == 0 || !seq->has_value() || **seq == 0) {
        return absl::InvalidArgumentError(
            "keel: keel-session-id needs a non-zero id and keel-seq >= 1");
    }
    command->set_session_id(**id);
    command->set_session_seq(**seq);
    command->set_session_ack(ack->value_or(0));
    command->set_session_lock(context.client_metadata().count(kSessionLockHeader) > 0);
    return absl::OkStatus();
}

namespace {

// The gRPC answer to an applied write: the state machine's response, or the one a session
// replays.
template <typename Request, typename Response>
grpc::Status WriteAnswer(const RaftNode& node,
                         const absl::StatusOr<CommandResponse>& applied,
                         Response* response) {
    if (!applied.ok()) {
        return ToGrpcStatus(applied.status());
    }
    if (const auto* replayed = std::get_if<ReplayedResponse>(&*applied)) {
        // A retransmission in a session: the answer the request got when it executed.
        KEEL_ASSERT(response->ParseFromString(replayed->serialized));
        FillHeader(node, response->mutable_header());
        return grpc::Status::OK;
    }
    using StoreResponse = typename WriteTraits<Request>::StoreResponse;
    KEEL_ASSERT(std::holds_alternative<StoreResponse>(*applied));
    ToProto(std::get<StoreResponse>(*applied), response);
    FillHeader(node, response->mutable_header());
    return grpc::Status::OK;
}

}  // namespace

void FillHeader(const RaftNode& node, pb::ResponseHeader* header) {
    header->set_cluster_id(node.cluster().cluster_id);
    header->set_member_id(node.id().value());
    header->set_raft_term(node.View().term.value());
}

Deadline RequestDeadline(const grpc::ServerContextBase& context) {
    const Deadline capped = Clock::now() + kRequestTimeoutDefault;
    const auto client_remaining = context.deadline() - std::chrono::system_clock::now();
    if (client_remaining >= kRequestTimeoutDefault) {
        return capped;
    }
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(client_remaining);
}

template <typename Request, typename Response>
bool KvService::MaybeForward(grpc::CallbackServerContext* context,
                             const Request& request,
                             Response* response,
                             Deadline deadline,
                             grpc::ServerUnaryReactor* reactor) {
    const NodeView view = node_.View();
    if (IsForwarded(*context) || view.leader.is_none() || view.leader == node_.id()) {
        return false;
    }
    pb::KV::Stub* stub = forwarder_.StubFor(view.leader);
    if (stub == nullptr) {
        return false;
    }
    // The completion function owns the client context: gRPC moves the function out of the
    // call before it runs it, so the context may die with it.
    std::shared_ptr<grpc::ClientContext> forward =
        LeaderForwarder::ForwardContext(*context, deadline);
    grpc::ClientContext* forward_context = forward.get();
    WriteTraits<Request>::Call(
        *stub,
        forward_context,
        request,
        response,
        [forward = std::move(forward), reactor](grpc::Status status) { reactor->Finish(status); });
    return true;
}

template <typename Request, typename Response>
grpc::ServerUnaryReactor* KvService::Write(grpc::CallbackServerContext* context,
                                           const Request& request,
                                           Response* response) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (const absl::Status valid = Validate(request, node_.request_limits()); !valid.ok()) {
        reactor->Finish(ToGrpcStatus(valid));
        return reactor;
    }
    const Deadline deadline = RequestDeadline(*context);
    if (MaybeForward(context, request, response, deadline, reactor)) {
        return reactor;
    }
    keel::v1::Command command;
    WriteTraits<Request>::Set(request, &command);
    if constexpr (!std::is_same_v<Request, pb::CompactionRequest>) {
        if (const absl::Status session = SetSessionFields(*context, &command); !session.ok()) {
            reactor->Finish(ToGrpcStatus(session));
            return reactor;
        }
    }
    // The call (context, request, response) lives until its reactor is finished.
    node_.ProposeAsync(std::move(command),
                       deadline,
                       [this, context, &request, response, deadline, reactor](
                           absl::StatusOr<CommandResponse> applied) {
                           // Leadership moved between the check and the proposal: forward once
                           // more.
                           if (!applied.ok() && IsNotLeader(applied.status())
                               && MaybeForward(context, request, response, deadline, reactor)) {
                               return;
                           }
                           reactor->Finish(WriteAnswer<Request>(node_, applied, response));
                       });
    return reactor;
}

grpc::Status KvService::Range(grpc::ServerContext* context,
                              const pb::RangeRequest* request,
                              pb::RangeResponse* response) {
    absl::StatusOr<kv::RangeRequest> converted = FromProto(*request);
    if (!converted.ok()) {
        return ToGrpcStatus(converted.status());
    }
    if (!converted->serializable) {
        if (const absl::Status read = node_.WaitReadIndex(RequestDeadline(*context)); !read.ok()) {
            return ToGrpcStatus(read);
        }
    }
    absl::StatusOr<kv::RangeResponse> result = node_.Range(*converted);
    if (!result.ok()) {
        return ToGrpcStatus(result.status());
    }
    ToProto(*result, response);
    FillHeader(node_, response->mutable_header());
    return grpc::Status::OK;
}

grpc::ServerUnaryReactor* KvService::Put(grpc::CallbackServerContext* context,
                                         const pb::PutRequest* request,
                                         pb::PutResponse* response) {
    return Write(context, *request, response);
}

grpc::ServerUnaryReactor* KvService::DeleteRange(grpc::CallbackServerContext* context,
                                                 const pb::DeleteRangeRequest* request,
                                                 pb::DeleteRangeResponse* response) {
    return Write(context, *request, response);
}

grpc::ServerUnaryReactor* KvService::Txn(grpc::CallbackServerContext* context,
                                         const pb::TxnRequest* request,
                                         pb::TxnResponse* response) {
    return Write(context, *request, response);
}

grpc::ServerUnaryReactor* KvService::Compact(grpc::CallbackServerContext* context,
                                             const pb::CompactionRequest* request,
                                             pb::CompactionResponse* response) {
    return Write(context, *request, response);
}

}  // namespace keel::server
