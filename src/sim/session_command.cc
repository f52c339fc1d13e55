#include "sim/session_command.h"

#include <vector>

#include <absl/strings/numbers.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_split.h>

namespace keel::sim {
namespace {

constexpr char kPrefix[] = "S|";
constexpr size_t kFields = 12;

}  // namespace

// S|kind|client|attempt|ttl|session|seq|ack|key|time|origin|incarnation|proposal
std::string SessionCommand::Encode() const {
    return absl::StrFormat("%s%d|%d|%d|%d|%d|%d|%d|%s|%d|%d|%d|%d",
                           kPrefix,
                           static_cast<int>(kind),
                           client,
                           attempt,
                           ttl_ms,
                           session,
                           seq,
                           ack,
                           key,
                           leader_time_ms,
                           origin.value(),
                           origin_incarnation,
                           proposal);
}

std::optional<SessionCommand> SessionCommand::Decode(std::string_view data) {
    if (!data.starts_with(kPrefix)) {
        return std::nullopt;
    }
    data.remove_prefix(2);
    const std::vector<absl::string_view> fields =
        absl::StrSplit(absl::string_view(data.data(), data.size()), '|');
    if (fields.size() != kFields) {
        return std::nullopt;
    }
    SessionCommand c;
    uint64_t kind = 0;
    uint64_t origin = 0;
    if (!absl::SimpleAtoi(fields[0], &kind) || kind > 1 || !absl::SimpleAtoi(fields[1], &c.client)
        || !absl::SimpleAtoi(fields[2], &c.attempt) || !absl::SimpleAtoi(fields[3], &c.ttl_ms)
        || !absl::SimpleAtoi(fields[4], &c.session) || !absl::SimpleAtoi(fields[5], &c.seq)
        || !absl::SimpleAtoi(fields[6], &c.ack) || !absl::SimpleAtoi(fields[8], &c.leader_time_ms)
        || !absl::SimpleAtoi(fields[9], &origin)
        || !absl::SimpleAtoi(fields[10], &c.origin_incarnation)
        || !absl::SimpleAtoi(fields[11], &c.proposal)) {
        return std::nullopt;
    }
    c.kind = static_cast<Kind>(kind);
    c.key = std::string(fields[7]);
    c.origin = NodeId(origin);
    return c;
}

}  // namespace keel::sim
