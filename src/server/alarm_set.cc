#include "server/alarm_set.h"

#include "base/assert.h"

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;

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

void AlarmSet::Apply(const pb::AlarmRequest& request) {
    std::lock_guard lock(mu_);
    switch (request.action()) {
        case pb::AlarmRequest::ACTIVATE:
            if (request.alarm() != pb::NONE) {
                alarms_.emplace(request.memberid(), static_cast<int>(request.alarm()));
            }
            break;
        case pb::AlarmRequest::DEACTIVATE:
            for (auto it = alarms_.begin(); it != alarms_.end();) {
                const bool member_matches =
                    request.memberid() == 0 || it->first == request.memberid();
                const bool alarm_matches =
                    request.alarm() == pb::NONE || it->second == static_cast<int>(request.alarm());
                it = member_matches && alarm_matches ? alarms_.erase(it) : std::next(it);
            }
            break;
        default:
            break;
    }
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
