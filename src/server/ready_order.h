// Which of a Ready's effects may overlap: the leader's sends with its own WAL write.
#pragma once

#include "raft/raw_node.h"

namespace keel::server {

// Whether `ready`'s messages may be sent before its entries and hard state are durable.
// raw_node.h's general order is persist, then send: an acknowledgement or a vote must never
// precede the state it reports (Figure 2). A leader's messages (appends, heartbeats, read-index
// answers) report nothing of its own log, and RawNode counts the leader's own copy of an entry
// towards a quorum only once Advance() says it is durable, so a leader may replicate while it
// writes (dissertation §10.2.1; etcd does the same). The one thing a leader's message relies
// on is its term, durable since the Ready that made it leader; so only a leader that already
// was one when the previous Ready was handled (`ready` carries no soft-state change) qualifies.
// `role` is the node's role as of GetReady().
bool MaySendBeforePersist(raft::Role role, const raft::Ready& ready);

}  // namespace keel::server
