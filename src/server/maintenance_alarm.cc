// MaintenanceService::Alarm (etcd's `etcdctl alarm list` and `etcdctl alarm disarm`), kept apart
// from the rest of the service: alarms belong with the quota and the alarm set (alarm_set.h).
#include "server/errors.h"
#include "server/grpc_status.h"
#include "server/kv_service.h"
#include "server/leader_forwarder.h"
#include "server/maintenance_service.h"

namespace keel::server {
namespace {

namespace pb = ::etcdserverpb;

// Alarm changes are rare: a channel per forwarded call is cheap enough.
grpc::Status ForwardAlarm(const RaftNode& node,
                          NodeId leader,
                          const grpc::ServerContext& context,
                          const pb::AlarmRequest& request,
                          pb::AlarmResponse* response) {
    const Member* member = node.cluster().Find(leader);
    if (member == nullptr) {
        return ToGrpcStatus(NotLeaderError());
    }
    auto stub = pb::Maintenance::NewStub(
        grpc::CreateChannel(member->peer_address, grpc::InsecureChannelCredentials()));
    std::unique_ptr<grpc::ClientContext> forward =
        LeaderForwarder::ForwardContext(context, RequestDeadline(context));
    return stub->Alarm(forward.get(), request, response);
}

// The alarms a change names: for ACTIVATE the one raised, for DEACTIVATE the raised ones it
// clears (member 0 matches every member).
std::vector<pb::AlarmMember> Matching(std::vector<pb::AlarmMember> raised,
                                      const pb::AlarmRequest& request) {
    if (request.action() == pb::AlarmRequest::ACTIVATE) {
        pb::AlarmMember member;
        member.set_memberid(request.memberid());
        member.set_alarm(request.alarm());
        return {member};
    }
    std::vector<pb::AlarmMember> out;
    for (pb::AlarmMember& member : raised) {
        if (request.memberid() == 0 || member.memberid() == request.memberid()) {
            out.push_back(std::move(member));
        }
    }
    return out;
}

}  // namespace

grpc::Status MaintenanceService::Alarm(grpc::ServerContext* context,
                                       const pb::AlarmRequest* request,
                                       pb::AlarmResponse* response) {
    FillHeader(node_, response->mutable_header());
    if (request->action() == pb::AlarmRequest::GET) {
        for (pb::AlarmMember& member : node_.alarms().List(request->alarm())) {
            *response->add_alarms() = std::move(member);
        }
        return grpc::Status::OK;
    }
    std::vector<pb::AlarmMember> changed;
    {
        const NodeView view = node_.View();
        if (!IsForwarded(*context) && !view.leader.is_none() && view.leader != node_.id()) {
            return ForwardAlarm(node_, view.leader, *context, *request, response);
        }
        keel::v1::Command command;
        *command.mutable_alarm() = *request;
        changed = Matching(node_.alarms().List(request->alarm()), *request);
        absl::StatusOr<CommandResponse> applied =
            node_.Propose(std::move(command), RequestDeadline(*context));
        if (!applied.ok()) {
            return ToGrpcStatus(applied.status());
        }
    }
    // etcd answers a change with the alarms it changed.
    for (pb::AlarmMember& member : changed) {
        *response->add_alarms() = std::move(member);
    }
    return grpc::Status::OK;
}

}  // namespace keel::server
