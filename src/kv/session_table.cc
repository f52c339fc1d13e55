#include "kv/session_table.h"

#include <algorithm>

#include "base/assert.h"

namespace keel::kv {

absl::Status SessionExpiredError() {
    return absl::FailedPreconditionError("keel: session expired or unknown");
}

absl::Status SessionRequestAcknowledgedError() {
    return absl::OutOfRangeError("keel: request already acknowledged; its response was dropped");
}

absl::Status SessionTooManyResponsesError() {
    return absl::ResourceExhaustedError(
        "keel: session holds too many unacknowledged responses (limit 1024); advance keel-ack");
}

std::string SessionKey(uint64_t id) {
    std::string key = "session/";
    for (int shift = 56; shift >= 0; shift -= 8) {
        key.push_back(static_cast<char>((id >> shift) & 0xff));
    }
    return key;
}

int64_t SessionTtl(int64_t requested_ms) {
    if (requested_ms <= 0) {
        return kSessionTtlDefaultMs;
    }
    return std::clamp(requested_ms, kSessionTtlMinMs, kSessionTtlMaxMs);
}

keel::v1::SessionRecord NewSession(uint64_t id, int64_t ttl_ms, int64_t now_ms) {
    KEEL_ASSERT(id > 0);
    keel::v1::SessionRecord record;
    record.set_id(id);
    record.set_ttl_ms(ttl_ms);
    record.set_last_active_ms(now_ms);
    record.set_ack(1);
    return record;
}

bool SessionExpired(const keel::v1::SessionRecord& record, int64_t now_ms) {
    return now_ms > 0 && now_ms - record.last_active_ms() > record.ttl_ms();
}

bool SessionNeedsSweep(const keel::v1::SessionRecord& record, int64_t now_ms) {
    return record.locks_size() > 0 && SessionExpired(record, now_ms);
}

void TouchSession(keel::v1::SessionRecord& record, int64_t now_ms, uint64_t ack) {
    record.set_last_active_ms(std::max(record.last_active_ms(), now_ms));
    if (ack <= record.ack()) {
        return;
    }
    record.set_ack(ack);
    auto* answers = record.mutable_responses();
    const auto kept = std::find_if(
        answers->begin(), answers->end(), [&](const auto& a) { return a.seq() >= ack; });
    answers->erase(answers->begin(), kept);
}

SessionAdmission AdmitRequest(const keel::v1::SessionRecord& record, uint64_t seq) {
    if (seq < record.ack()) {
        return SessionAdmission::kAcknowledged;
    }
    if (FindAnswer(record, seq).has_value()) {
        return SessionAdmission::kReplay;
    }
    if (static_cast<size_t>(record.responses_size()) >= kSessionResponsesMax) {
        return SessionAdmission::kFull;
    }
    return SessionAdmission::kExecute;
}

std::optional<keel::v1::CachedResponse> FindAnswer(const keel::v1::SessionRecord& record,
                                                   uint64_t seq) {
    const auto& answers = record.responses();
    const auto it = std::lower_bound(
        answers.begin(), answers.end(), seq, [](const auto& a, uint64_t s) { return a.seq() < s; });
    if (it == answers.end() || it->seq() != seq) {
        return std::nullopt;
    }
    return *it;
}

void RememberAnswer(keel::v1::SessionRecord& record, keel::v1::CachedResponse answer) {
    KEEL_ASSERT(AdmitRequest(record, answer.seq()) == SessionAdmission::kExecute);
    auto* answers = record.mutable_responses();
    const auto position = std::lower_bound(answers->begin(),
                                           answers->end(),
                                           answer.seq(),
                                           [](const auto& a, uint64_t s) { return a.seq() < s; })
                          - answers->begin();
    answers->Add(std::move(answer));
    // Keep seq order (a client may have several requests in flight).
    std::rotate(answers->begin() + position, answers->end() - 1, answers->end());
}

absl::Status AnswerStatus(const keel::v1::CachedResponse& answer) {
    return absl::Status(static_cast<absl::StatusCode>(answer.code()), answer.message());
}

}  // namespace keel::kv
