#include "client/call_runner.h"

#include <algorithm>
#include <thread>

#include <absl/strings/cord.h>
#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "client/backoff.h"
#include "client/outcome.h"

namespace keel::client {
namespace {

using Clock = std::chrono::system_clock;

int64_t MillisSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

}  // namespace

absl::Status CallError(absl::StatusCode code, std::string message, bool outcome_unknown) {
    absl::Status status(code, message);
    if (outcome_unknown) {
        status.SetPayload(kOutcomeUnknownPayload, absl::Cord("1"));
    }
    return status;
}

CallRunner::CallRunner(EndpointPool* pool, const ClientOptions& options)
    : pool_(pool), options_(options), seed_(options.seed) {
    KEEL_ASSERT(pool != nullptr);
}

absl::Status CallRunner::Run(const CallSpec& spec, const Attempt& attempt) {
    ++calls_;
    const Clock::time_point start = Clock::now();
    const Clock::time_point deadline = start + options_.call_timeout;
    const std::chrono::milliseconds attempt_timeout =
        spec.attempt_timeout.value_or(options_.attempt_timeout);
    Backoff backoff(options_.backoff, seed_.fetch_add(0x9e3779b97f4a7c15ULL));
    // Whether some attempt may have executed (a write's outcome is then unknown).
    bool maybe_executed = false;
    for (int attempts = 1;; ++attempts) {
        const size_t i = pool_->Pick(deadline);
        Endpoint& endpoint = pool_->at(i);
        grpc::ClientContext context;
        context.set_deadline(std::min(deadline, Clock::now() + attempt_timeout));
        ++attempts_;
        const grpc::Status status = attempt(endpoint, context);
        if (status.ok()) {
            return absl::OkStatus();
        }
        const auto code = static_cast<absl::StatusCode>(status.error_code());
        const std::string& message = status.error_message();
        const AttemptFailure failure = ClassifyFailure(code, message);
        if (ShouldFailOver(code, message)) {
            pool_->ReportFailure(i);
        }
        maybe_executed = maybe_executed || failure == AttemptFailure::kOutcomeUnknown;
        const bool unknown = maybe_executed && spec.operation != OperationKind::kRead;
        if (!ShouldRetry(spec.operation, spec.semantics, failure)) {
            return CallError(code, message, unknown && failure != AttemptFailure::kFinal);
        }
        // Wait out the backoff, but never past the deadline; at the deadline give up.
        const auto remaining = deadline - Clock::now();
        if (remaining > Clock::duration::zero()) {
            std::this_thread::sleep_for(std::min<Clock::duration>(backoff.Next(), remaining));
        }
        if (Clock::now() >= deadline) {
            return CallError(absl::StatusCode::kDeadlineExceeded,
                             absl::StrCat("keel: ",
                                          spec.name,
                                          " got no answer within ",
                                          MillisSince(start),
                                          " ms (",
                                          attempts,
                                          " attempts); last error from ",
                                          endpoint.name,
                                          ": ",
                                          message),
                             unknown);
        }
        ++retries_;
    }
}

ClientStats CallRunner::stats() const {
    return ClientStats{.calls = calls_.load(),
                       .attempts = attempts_.load(),
                       .retries = retries_.load(),
                       .sessions_opened = sessions_opened_.load()};
}

}  // namespace keel::client
