#include "sim/session_clients.h"

#include <algorithm>
#include <tuple>

#include <absl/status/status.h>
#include <absl/strings/str_format.h>

#include "base/assert.h"

namespace keel::sim {
namespace {

constexpr uint64_t kClientsMin = 2;
constexpr uint64_t kClientsMax = 4;
constexpr uint64_t kKeys = 4;
constexpr uint64_t kTimerMaxUs = 20'000;
// Half of the clients have the shortest TTL keeld allows (1 s) and sometimes pause longer
// than it, so sessions expire under them; the rest keep the default.
constexpr int64_t kShortTtlMs = 1'000;
constexpr int64_t kLongTtlMs = 60'000;
constexpr uint64_t kPauseMinUs = 200'000;
constexpr uint64_t kPauseMaxUs = 2'500'000;

}  // namespace

SessionClients::SessionClients(const SwarmOptions& swarm, Cluster* cluster, base::Rng rng)
    : swarm_(swarm), cluster_(cluster), rng_(rng) {
    KEEL_ASSERT(cluster_ != nullptr);
    const uint64_t count = rng_.Range(kClientsMin, kClientsMax);
    for (uint64_t i = 1; i <= count; ++i) {
        Client c;
        c.id = i;
        c.ttl_ms = rng_.Chance(1, 2) ? kShortTtlMs : kLongTtlMs;
        // From below an election timeout (retransmits into a leader change) to a few of them.
        c.timeout_us = rng_.Range(30'000, 300'000);
        c.window = rng_.Range(1, 3);
        clients_.push_back(c);
    }
    stats_.clients = count;
    cluster_->SetSessionReplyObserver([this](const SessionOutcome& reply) { Reply(reply); });
}

void SessionClients::OnTimer() {
    if (calm_) {
        return;
    }
    const uint64_t now = cluster_->now_us();
    // Deliver the replies that have arrived, in arrival order.
    std::vector<InFlightReply> due;
    std::erase_if(inbox_, [&](InFlightReply& r) {
        if (r.arrival_us > now) {
            return false;
        }
        due.push_back(std::move(r));
        return true;
    });
    std::sort(due.begin(), due.end(), [](const InFlightReply& a, const InFlightReply& b) {
        return std::tie(a.arrival_us, a.order) < std::tie(b.arrival_us, b.order);
    });
    for (const InFlightReply& r : due) {
        Receive(r.reply);
    }
    for (Client& c : clients_) {
        Act(c);
    }
    cluster_->ScheduleTimer(rng_.Range(1, kTimerMaxUs), TimerKind::kSessions);
}

void SessionClients::Reply(const SessionOutcome& reply) {
    const NetworkOptions& net = swarm_.network;
    if (rng_.Chance(net.drop_per_mille, 1000)) {
        ++stats_.replies_lost;
        return;
    }
    const int copies = rng_.Chance(net.duplicate_per_mille, 1000) ? 2 : 1;
    for (int i = 0; i < copies; ++i) {
        inbox_.push_back(
            {.arrival_us = cluster_->now_us() + rng_.Range(net.delay_min_us, net.delay_max_us),
             .order = ++reply_order_,
             .reply = reply});
    }
}

void SessionClients::Act(Client& c) {
    const uint64_t now = cluster_->now_us();
    if (now < c.paused_until_us) {
        return;
    }
    if (rng_.Chance(1, 2000)) {
        // The client stalls (a GC pause, a laptop lid): no retransmission, no keep-alive.
        c.paused_until_us = now + rng_.Range(kPauseMinUs, kPauseMaxUs);
        cluster_->Note(absl::StrFormat("session client %d pauses", c.id));
        return;
    }
    if (c.session == 0) {
        if (!c.registering) {
            StartRegistration(c);
        } else if (c.register_refused || now - c.register_sent_us >= c.timeout_us) {
            SendRegistration(c);
        }
        return;
    }
    for (auto& [seq, request] : c.outstanding) {
        const bool connection_broken =
            !request.sent_to.is_none() && !cluster_->IsUp(request.sent_to);
        if (request.refused || connection_broken || now - request.last_sent_us >= c.timeout_us) {
            ++stats_.retransmissions;
            Send(c, seq, request);
        }
    }
    if (c.outstanding.size() < c.window && rng_.Chance(1, 2)) {
        const uint64_t seq = c.next_seq++;
        Request& request = c.outstanding[seq];
        request.key = absl::StrFormat("k%d", rng_.Uniform(kKeys));
        ++stats_.requests;
        Send(c, seq, request);
    }
}

void SessionClients::StartRegistration(Client& c) {
    c.registering = true;
    c.round_first_attempt = c.next_attempt;
    SendRegistration(c);
}

void SessionClients::SendRegistration(Client& c) {
    c.register_sent_us = cluster_->now_us();
    ++stats_.registrations_sent;
    const Sent sent = Transmit(SessionCommand{.kind = SessionCommand::Kind::kRegister,
                                              .client = c.id,
                                              .attempt = c.next_attempt++,
                                              .ttl_ms = c.ttl_ms});
    c.register_refused = sent.refused;
}

void SessionClients::Send(Client& c, uint64_t seq, Request& request) {
    request.last_sent_us = cluster_->now_us();
    ++stats_.sends;
    const Sent sent = Transmit(SessionCommand{.kind = SessionCommand::Kind::kRequest,
                                              .client = c.id,
                                              .session = c.session,
                                              .seq = seq,
                                              .ack = Ack(c),
                                              .key = request.key});
    request.sent_to = sent.taken_by;
    request.refused = sent.refused;
}

SessionClients::Sent SessionClients::Transmit(const SessionCommand& command) {
    const NetworkOptions& net = swarm_.network;
    if (rng_.Chance(net.drop_per_mille, 1000)) {
        return {};  // lost: the client learns nothing until its timeout
    }
    const NodeId target = Target();
    Sent sent = ProposeTo(target, command);
    if (rng_.Chance(net.duplicate_per_mille, 1000)) {
        const Sent copy = ProposeTo(target, command);
        if (sent.taken_by.is_none()) {
            sent = copy;
        }
    }
    return sent;
}

SessionClients::Sent SessionClients::ProposeTo(NodeId node, const SessionCommand& command) {
    if (!cluster_->IsUp(node)) {
        return {};  // no connection; the client times out
    }
    raft::ProposeResult result = cluster_->ProposeSessioned(node, command);
    if (result.ok()) {
        return {.taken_by = node};
    }
    if (result.error == raft::ProposeError::kNotLeader && !result.leader_hint.is_none()
        && result.leader_hint != node && cluster_->IsUp(result.leader_hint)) {
        result = cluster_->ProposeSessioned(result.leader_hint, command);
        if (result.ok()) {
            return {.taken_by = result.leader_hint};
        }
    }
    return {.refused = true};
}

// Mostly the leader as far as the client knows; one time in four any node (a stale leader
// hint, a follower that forwards).
NodeId SessionClients::Target() {
    const NodeId leader = cluster_->Leader();
    if (leader.is_none() || rng_.Chance(1, 4)) {
        const std::vector<NodeId>& ids = cluster_->node_ids();
        return ids[rng_.Uniform(ids.size())];
    }
    return leader;
}

uint64_t SessionClients::Ack(const Client& c) const {
    return c.outstanding.empty() ? c.next_seq : c.outstanding.begin()->first;
}

void SessionClients::Receive(const SessionOutcome& reply) {
    cluster_->ObserveSessionReply(reply);
    const uint64_t id = reply.command.client;
    KEEL_ASSERT(id >= 1 && id <= clients_.size());
    Client& c = clients_[id - 1];
    const SessionCommand& command = reply.command;
    if (reply.kind == SessionOutcome::Kind::kRegistered) {
        if (c.session == 0 && c.registering && command.attempt >= c.round_first_attempt) {
            c.session = reply.session;
            c.registering = false;
            c.next_seq = 1;
            ++stats_.sessions_opened;
            cluster_->Note(absl::StrFormat("session client %d opens session %d", c.id, c.session));
        }
        return;
    }
    if (command.session != c.session || c.session == 0) {
        return;  // an answer for an older incarnation of the client
    }
    if (reply.kind == SessionOutcome::Kind::kRejected) {
        if (reply.code == static_cast<int>(absl::StatusCode::kFailedPrecondition)) {
            // The session expired. Its unanswered requests may or may not have executed; a
            // new session must never carry them (that would break at-most-once).
            cluster_->Note(
                absl::StrFormat("session client %d: session %d expired, %d requests "
                                "abandoned",
                                c.id,
                                c.session,
                                c.outstanding.size()));
            ++stats_.sessions_expired;
            stats_.abandoned += c.outstanding.size();
            c.outstanding.clear();
            c.session = 0;
        }
        return;
    }
    if (c.outstanding.erase(command.seq) > 0) {
        ++stats_.answered;
    }
}

}  // namespace keel::sim
