#include "keel-bench/sessions.h"

#include <chrono>

#include <absl/strings/str_cat.h>

#include "keel/v1/session.grpc.pb.h"

namespace keel::bench {
namespace {

constexpr int64_t kSessionTtlMs = 60'000;
constexpr auto kRegisterTimeout = std::chrono::seconds(5);

}  // namespace

absl::StatusOr<std::vector<uint64_t>> RegisterSessions(const std::vector<Connection>& connections,
                                                       int count) {
    std::string last_error = "no connections";
    for (const Connection& connection : connections) {
        auto stub = keel::v1::Session::NewStub(connection.channel);
        std::vector<uint64_t> ids;
        for (int i = 0; i < count; ++i) {
            grpc::ClientContext context;
            context.set_deadline(std::chrono::system_clock::now() + kRegisterTimeout);
            keel::v1::RegisterClientRequest request;
            request.set_ttl_ms(kSessionTtlMs);
            keel::v1::RegisterClientResponse response;
            const grpc::Status status = stub->RegisterClient(&context, request, &response);
            if (!status.ok()) {
                last_error = absl::StrCat(connection.endpoint, ": ", status.error_message());
                break;
            }
            ids.push_back(response.session_id());
        }
        if (ids.size() == static_cast<size_t>(count)) {
            return ids;
        }
    }
    return absl::UnavailableError(absl::StrCat("cannot register sessions: ", last_error));
}

}  // namespace keel::bench
