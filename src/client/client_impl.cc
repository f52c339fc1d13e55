#include "client/client_impl.h"

#include <utility>

#include <absl/strings/str_cat.h>

#include "base/assert.h"

namespace keel::client {

absl::StatusOr<std::unique_ptr<Client>> Client::Connect(ClientOptions options) {
    if (options.endpoints.empty()) {
        return absl::InvalidArgumentError("keel: no endpoints given");
    }
    for (const std::string& endpoint : options.endpoints) {
        absl::StatusOr<std::string> target = DialTarget(endpoint);
        if (!target.ok()) {
            return target.status();
        }
    }
    if (options.call_timeout.count() <= 0 || options.attempt_timeout.count() <= 0) {
        return absl::InvalidArgumentError("keel: call and attempt timeouts must be positive");
    }
    if (options.seed == 0) {
        options.seed =
            static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    return std::unique_ptr<Client>(new ClientImpl(std::move(options)));
}

ClientImpl::ClientImpl(ClientOptions options)
    : options_(std::move(options)),
      pool_(options_.endpoints),
      runner_(&pool_, options_),
      session_keeper_([this] { KeepSessionAlive(); }) {}

ClientImpl::~ClientImpl() {
    {
        std::lock_guard lock(session_mu_);
        stopping_ = true;
    }
    session_cv_.notify_all();
    session_keeper_.join();
}

CallSpec ClientImpl::PlainWriteSpec(const char* name) const {
    return CallSpec{.name = name,
                    .operation = OperationKind::kPlainWrite,
                    .semantics = options_.write_semantics};
}

absl::Status ClientImpl::Write(const char* name,
                               const Attempt& attempt,
                               std::optional<std::chrono::milliseconds> attempt_timeout) {
    if (options_.write_semantics != CallSemantics::kExactlyOnce) {
        CallSpec plain = PlainWriteSpec(name);
        plain.attempt_timeout = attempt_timeout;
        return runner_.Run(plain, attempt);
    }
    absl::StatusOr<std::shared_ptr<SessionSequence>> session = CurrentSession();
    if (!session.ok()) {
        return session.status();
    }
    SessionSequence& sequence = **session;
    const uint64_t seq = sequence.Begin();
    const std::string id = std::to_string(sequence.id());
    const std::string seq_text = std::to_string(seq);
    const CallSpec spec{.name = name,
                        .operation = OperationKind::kSessionWrite,
                        .semantics = CallSemantics::kExactlyOnce,
                        .attempt_timeout = attempt_timeout};
    absl::Status status = runner_.Run(spec, [&](Endpoint& endpoint, grpc::ClientContext& context) {
        context.AddMetadata("keel-session-id", id);
        context.AddMetadata("keel-seq", seq_text);
        context.AddMetadata("keel-ack", std::to_string(sequence.ack()));
        return attempt(endpoint, context);
    });
    // Answered or given up: either way this seq never goes out again (session_sequence.h).
    sequence.End(seq);
    if (IsSessionExpired(status)) {
        sequence.MarkExpired();
    }
    return status;
}

}  // namespace keel::client
