#include "sim/checkers/session_checker.h"

#include <absl/strings/str_format.h>

namespace keel::sim {

void SessionChecker::ObserveApply(NodeId node, const SessionOutcome& outcome) {
    const AppliedOutcome seen{.kind = outcome.kind,
                              .code = outcome.code,
                              .reply = outcome.reply,
                              .session = outcome.session};
    const auto [it, first] = applied_.try_emplace(outcome.index, seen);
    if (!first) {
        const AppliedOutcome& before = it->second;
        if (before.kind != seen.kind || before.code != seen.code || before.reply != seen.reply
            || before.session != seen.session) {
            log_->Report("session-determinism",
                         absl::StrFormat("node %d's outcome at index %d (kind %d, code %d, %s) "
                                         "differs from another replica's (kind %d, code %d, %s)",
                                         node.value(),
                                         outcome.index.value(),
                                         static_cast<int>(seen.kind),
                                         seen.code,
                                         seen.reply,
                                         static_cast<int>(before.kind),
                                         before.code,
                                         before.reply));
        }
        return;
    }
    switch (outcome.kind) {
        case SessionOutcome::Kind::kRegistered:
            ++stats_.registrations;
            return;
        case SessionOutcome::Kind::kReplayed:
            ++stats_.replayed;
            return;
        case SessionOutcome::Kind::kRejected:
            ++stats_.rejected;
            return;
        case SessionOutcome::Kind::kExecuted:
            ++stats_.executed;
            break;
    }
    const RequestId id{outcome.command.session, outcome.command.seq};
    const auto [execution, fresh] =
        executions_.try_emplace(id, FirstExecution{outcome.index, outcome.reply});
    if (!fresh && execution->second.index != outcome.index) {
        log_->Report("session-exactly-once",
                     absl::StrFormat("request (session %d, seq %d) executed at index %d and again "
                                     "at index %d (node %d)",
                                     id.first,
                                     id.second,
                                     execution->second.index.value(),
                                     outcome.index.value(),
                                     node.value()));
    }
}

void SessionChecker::ObserveReply(const SessionOutcome& reply) {
    ++stats_.replies;
    const bool answered = reply.code == 0
                          && (reply.kind == SessionOutcome::Kind::kExecuted
                              || reply.kind == SessionOutcome::Kind::kReplayed);
    if (!answered) {
        return;
    }
    const RequestId id{reply.command.session, reply.command.seq};
    const auto execution = executions_.find(id);
    if (execution == executions_.end()) {
        log_->Report("session-reply",
                     absl::StrFormat("client %d got an answer for (session %d, seq %d) that no "
                                     "replica executed",
                                     reply.command.client,
                                     id.first,
                                     id.second));
        return;
    }
    if (reply.reply != execution->second.reply) {
        log_->Report("session-reply",
                     absl::StrFormat("client %d got \"%s\" for (session %d, seq %d) from index %d; "
                                     "its first execution at index %d answered \"%s\"",
                                     reply.command.client,
                                     reply.reply,
                                     id.first,
                                     id.second,
                                     reply.index.value(),
                                     execution->second.index.value(),
                                     execution->second.reply));
        return;
    }
    if (acknowledged_.try_emplace(id, reply.reply).second) {
        ++stats_.acknowledged;
    }
}

void SessionChecker::CheckFinal(NodeId node, const StateMachine& state) {
    // Where each request sits in the final execution logs: "key=K pos=P".
    std::map<RequestId, std::string> found;
    for (const auto& [key, log] : state.sessions().executions()) {
        for (size_t pos = 0; pos < log.size(); ++pos) {
            const RequestId id{log[pos].session, log[pos].seq};
            const std::string place = absl::StrFormat("key=%s pos=%d", key, pos);
            const auto [it, fresh] = found.try_emplace(id, place);
            if (!fresh) {
                log_->Report("session-exactly-once",
                             absl::StrFormat("node %d's final state holds (session %d, seq %d) "
                                             "twice: %s and %s",
                                             node.value(),
                                             id.first,
                                             id.second,
                                             it->second,
                                             place));
                return;
            }
        }
    }
    for (const auto& [id, reply] : acknowledged_) {
        const auto it = found.find(id);
        if (it == found.end()) {
            log_->Report("session-lost",
                         absl::StrFormat("node %d's final state lacks (session %d, seq %d), "
                                         "acknowledged with \"%s\"",
                                         node.value(),
                                         id.first,
                                         id.second,
                                         reply));
            return;
        }
        if (!reply.starts_with(it->second + " ")) {
            log_->Report("session-lost",
                         absl::StrFormat("node %d's final state holds (session %d, seq %d) at %s; "
                                         "its reply said \"%s\"",
                                         node.value(),
                                         id.first,
                                         id.second,
                                         it->second,
                                         reply));
            return;
        }
    }
}

}  // namespace keel::sim
