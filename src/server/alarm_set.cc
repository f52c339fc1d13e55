#include "server/alarm_set.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/assert.h"

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;

constexpr std::string_view kAlarmRecordKey = "alarms";

bool RequestOpPuts(const pb::RequestOp& op);

bool TxnPuts(const pb::TxnRequest& txn) {
    for (const pb::RequestOp& op : txn.success()) {
        if (RequestOpPuts(op)) {
            return true;
        }
    }
    for (const pb::RequestOp& op : txn.failure()) {
        if (RequestOpPuts(op)) {
            return true;
        }
    }
    return false;
}

bool RequestOpPuts(const pb::RequestOp& op) {
    if (op.has_request_put()) {
        return true;
    }
    // Nesting is bounded by kv::kTxnDepthMax, checked before any txn is proposed.
    return op.has_request_txn() && TxnPuts(op.request_txn());
}

}  // namespace

absl::Status NoSpaceError() {
    return absl::ResourceExhaustedError("etcdserver: mvcc: database space exceeded");
}

Alarms ApplyAlarmRequest(Alarms alarms, const pb::AlarmRequest& request) {
    switch (request.action()) {
        case pb::AlarmRequest::ACTIVATE:
            if (request.alarm() != pb::NONE) {
                alarms.emplace(request.memberid(), static_cast<int>(request.alarm()));
            }
            break;
        case pb::AlarmRequest::DEACTIVATE:
            for (auto it = alarms.begin(); it != alarms.end();) {
                const bool member_matches =
                    request.memberid() == 0 || it->first == request.memberid();
                const bool alarm_matches =
                    request.alarm() == pb::NONE || it->second == static_cast<int>(request.alarm());
                it = member_matches && alarm_matches ? alarms.erase(it) : std::next(it);
            }
            break;
        default:
            break;
    }
    return alarms;
}

kv::AuxWrite AlarmRecordWrite(const Alarms& alarms) {
    // etcd's AlarmResponse is the record's schema: a list of (member, alarm), in set order.
    pb::AlarmResponse record;
    for (const auto& [member, type] : alarms) {
        pb::AlarmMember* entry = record.add_alarms();
        entry->set_memberid(member);
        entry->set_alarm(static_cast<pb::AlarmType>(type));
    }
    return kv::AuxWrite{.key = std::string(kAlarmRecordKey), .value = record.SerializeAsString()};
}

Alarms LoadAlarms(const kv::MvccStore& store) {
    Alarms alarms;
    const std::optional<std::string> bytes = store.ReadAux(kAlarmRecordKey);
    if (!bytes.has_value()) {
        return alarms;
    }
    pb::AlarmResponse record;
    KEEL_ASSERT_MSG(record.ParseFromString(*bytes), "the stored alarm record does not parse");
    for (const pb::AlarmMember& entry : record.alarms()) {
        KEEL_ASSERT(entry.alarm() != pb::NONE);
        alarms.emplace(entry.memberid(), static_cast<int>(entry.alarm()));
    }
    return alarms;
}

void AlarmSet::Apply(const pb::AlarmRequest& request) {
    std::lock_guard lock(mu_);
    alarms_ = ApplyAlarmRequest(std::move(alarms_), request);
}

void AlarmSet::Reset(Alarms alarms) {
    std::lock_guard lock(mu_);
    alarms_ = std::move(alarms);
}

std::vector<pb::AlarmMember> AlarmSet::List(pb::AlarmType alarm) const {
    std::lock_guard lock(mu_);
    std::vector<pb::AlarmMember> out;
    for (const auto& [member, type] : alarms_) {
        if (alarm != pb::NONE && type != static_cast<int>(alarm)) {
            continue;
        }
        pb::AlarmMember entry;
        entry.set_memberid(member);
        entry.set_alarm(static_cast<pb::AlarmType>(type));
        out.push_back(std::move(entry));
    }
    return out;
}

bool AlarmSet::Has(pb::AlarmType alarm) const {
    return !List(alarm).empty();
}

absl::Status AlarmSet::CheckWrite(const keel::v1::Command& command) const {
    if (!Has(pb::NOSPACE)) {
        return absl::OkStatus();
    }
    using C = keel::v1::Command;
    switch (command.op_case()) {
        case C::kPut:
        case C::kLeaseGrant:
            return NoSpaceError();
        case C::kTxn:
            return TxnPuts(command.txn()) ? NoSpaceError() : absl::OkStatus();
        default:
            return absl::OkStatus();
    }
}

void AlarmSet::CheckInvariants() const {
    std::lock_guard lock(mu_);
    for (const auto& entry : alarms_) {
        KEEL_ASSERT(entry.second != static_cast<int>(pb::NONE));
    }
}

}  // namespace keel::server
