#include "sim/session_state.h"

#include <absl/status/status.h>
#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "kv/session_table.h"
#include "sim/image_codec.h"

namespace keel::sim {
namespace {

// Bounds for decoding: an image beyond these is corrupt (simulated runs are far smaller).
constexpr uint64_t kImageCountMax = 1 << 20;
constexpr size_t kImageBytesMax = 1 << 24;

SessionOutcome Rejected(SessionOutcome outcome, const absl::Status& status) {
    outcome.kind = SessionOutcome::Kind::kRejected;
    outcome.code = static_cast<int>(status.code());
    outcome.message = std::string(status.message());
    return outcome;
}

}  // namespace

SessionOutcome SessionState::Apply(Index index, const SessionCommand& command, bool deduplicate) {
    SessionOutcome outcome{.command = command, .index = index};
    const int64_t now = command.leader_time_ms;
    if (command.kind == SessionCommand::Kind::kRegister) {
        // Each registration sweeps the expired sessions, as keeld's does.
        std::erase_if(sessions_, [&](const auto& s) { return kv::SessionExpired(s.second, now); });
        sessions_[index.value()] =
            kv::NewSession(index.value(), kv::SessionTtl(command.ttl_ms), now);
        outcome.kind = SessionOutcome::Kind::kRegistered;
        outcome.session = index.value();
        return outcome;
    }
    const auto it = sessions_.find(command.session);
    if (it == sessions_.end()) {
        return Rejected(std::move(outcome), kv::SessionExpiredError());
    }
    keel::v1::SessionRecord& record = it->second;
    if (kv::SessionExpired(record, now)) {
        sessions_.erase(it);
        return Rejected(std::move(outcome), kv::SessionExpiredError());
    }
    kv::TouchSession(record, now, command.ack);
    switch (kv::AdmitRequest(record, command.seq)) {
        case kv::SessionAdmission::kReplay:
            if (deduplicate) {
                const keel::v1::CachedResponse answer = *kv::FindAnswer(record, command.seq);
                outcome.kind = SessionOutcome::Kind::kReplayed;
                outcome.code = answer.code();
                outcome.message = answer.message();
                outcome.reply = answer.response();
                return outcome;
            }
            // The deliberate bug: run it again (and leave the first answer cached).
            outcome.kind = SessionOutcome::Kind::kExecuted;
            outcome.reply = Execute(command);
            return outcome;
        case kv::SessionAdmission::kAcknowledged:
            return Rejected(std::move(outcome), kv::SessionRequestAcknowledgedError());
        case kv::SessionAdmission::kFull:
            return Rejected(std::move(outcome), kv::SessionTooManyResponsesError());
        case kv::SessionAdmission::kExecute:
            break;
    }
    outcome.kind = SessionOutcome::Kind::kExecuted;
    outcome.reply = Execute(command);
    keel::v1::CachedResponse answer;
    answer.set_seq(command.seq);
    answer.set_response(outcome.reply);
    kv::RememberAnswer(record, std::move(answer));
    return outcome;
}

std::string SessionState::Execute(const SessionCommand& command) {
    std::vector<Execution>& log = executions_[command.key];
    log.push_back({.session = command.session, .seq = command.seq});
    ++executed_;
    return absl::StrFormat("key=%s pos=%d rev=%d", command.key, log.size() - 1, executed_);
}

// sessions:u64 (record:bytes){sessions} keys:u64 (key:bytes n:u64 (session:u64 seq:u64){n}){keys}
// executed:u64
std::string SessionState::Encode() const {
    std::string out;
    PutU64(&out, sessions_.size());
    for (const auto& [id, record] : sessions_) {
        PutBytes(&out, record.SerializeAsString());
    }
    PutU64(&out, executions_.size());
    for (const auto& [key, log] : executions_) {
        PutBytes(&out, key);
        PutU64(&out, log.size());
        for (const Execution& e : log) {
            PutU64(&out, e.session);
            PutU64(&out, e.seq);
        }
    }
    PutU64(&out, executed_);
    return out;
}

std::optional<SessionState> SessionState::Decode(std::string_view bytes) {
    ImageReader reader(bytes);
    SessionState state;
    uint64_t count = 0;
    if (!reader.U64(&count) || count > kImageCountMax) {
        return std::nullopt;
    }
    for (uint64_t i = 0; i < count; ++i) {
        std::string serialized;
        keel::v1::SessionRecord record;
        if (!reader.LengthPrefixed(kImageBytesMax, &serialized)
            || !record.ParseFromString(serialized) || record.id() == 0
            || state.sessions_.contains(record.id())) {
            return std::nullopt;
        }
        state.sessions_[record.id()] = std::move(record);
    }
    if (!reader.U64(&count) || count > kImageCountMax) {
        return std::nullopt;
    }
    uint64_t total = 0;
    for (uint64_t i = 0; i < count; ++i) {
        std::string key;
        uint64_t length = 0;
        if (!reader.LengthPrefixed(kImageBytesMax, &key) || !reader.U64(&length)
            || length > kImageCountMax) {
            return std::nullopt;
        }
        std::vector<Execution>& log = state.executions_[key];
        for (uint64_t j = 0; j < length; ++j) {
            Execution e;
            if (!reader.U64(&e.session) || !reader.U64(&e.seq)) {
                return std::nullopt;
            }
            log.push_back(e);
        }
        total += length;
    }
    if (!reader.U64(&state.executed_) || state.executed_ != total || !reader.done()) {
        return std::nullopt;
    }
    return state;
}

}  // namespace keel::sim
