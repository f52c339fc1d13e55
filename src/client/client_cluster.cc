// Client's cluster calls: MemberList and each endpoint's Status.
#include "client/client_impl.h"

namespace keel::client {

namespace pb = ::etcdserverpb;

absl::StatusOr<std::vector<Member>> ClientImpl::MemberList() {
    pb::MemberListRequest request;
    pb::MemberListResponse response;
    const CallSpec spec{.name = "member list", .operation = OperationKind::kRead};
    absl::Status status = runner_.Run(spec, [&](Endpoint& e, grpc::ClientContext& c) {
        response.Clear();
        return e.cluster->MemberList(&c, request, &response);
    });
    if (!status.ok()) {
        return status;
    }
    std::vector<Member> members;
    for (const pb::Member& m : response.members()) {
        Member member{.id = m.id(), .name = m.name(), .is_learner = m.islearner()};
        member.peer_urls.assign(m.peerurls().begin(), m.peerurls().end());
        member.client_urls.assign(m.clienturls().begin(), m.clienturls().end());
        members.push_back(std::move(member));
    }
    return members;
}

std::vector<EndpointStatus> ClientImpl::EndpointStatuses() {
    std::vector<EndpointStatus> statuses;
    const auto deadline = std::chrono::system_clock::now() + options_.attempt_timeout;
    for (size_t i = 0; i < pool_.size(); ++i) {
        EndpointStatus status{.endpoint = pool_.at(i).name};
        pb::StatusResponse response;
        const grpc::Status rpc = pool_.Status(i, deadline, &response);
        if (!rpc.ok()) {
            status.errors.push_back(rpc.error_message());
        } else {
            status.member_id = response.header().member_id();
            status.leader = response.leader();
            status.version = response.version();
            status.db_size = response.dbsize();
            status.raft_term = response.raftterm();
            status.raft_index = response.raftindex();
            status.raft_applied_index = response.raftappliedindex();
            status.revision = response.header().revision();
            status.errors.assign(response.errors().begin(), response.errors().end());
        }
        statuses.push_back(std::move(status));
    }
    return statuses;
}

}  // namespace keel::client
