#include "server/ready_order.h"

namespace keel::server {

bool MaySendBeforePersist(raft::Role role, const raft::Ready& ready) {
    return role == raft::Role::kLeader && !ready.soft_state.has_value();
}

}  // namespace keel::server
