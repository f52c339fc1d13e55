#include "interaction_env.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <gtest/gtest.h>

#include "base/assert.h"
#include "base/status.h"
#include "raft/conf_change_codec.h"
#include "raft/message_check.h"

namespace keel::raft::testing {
namespace {

// Stabilize gives up after this many rounds: a livelock is a test failure, not a hang.
constexpr int kStabilizeRoundsMax = 1000;

std::string Ids(const std::vector<NodeId>& ids) {
    return absl::StrCat(
        "(",
        absl::StrJoin(
            ids, ",", [](std::string* out, NodeId id) { absl::StrAppend(out, id.value()); }),
        ")");
}

std::string FormatConfChange(const std::string& data) {
    absl::StatusOr<ConfChange> change = DecodeConfChange(data);
    if (!change.ok()) {
        return "conf:<corrupt>";
    }
    if (change->is_leave_joint()) {
        return "conf:leave-joint";
    }
    std::string out = "conf:";
    for (const ConfChangeSingle& single : change->changes) {
        const char* kind = single.type == ConfChangeType::kAddVoter     ? "v"
                           : single.type == ConfChangeType::kAddLearner ? "l"
                                                                        : "r";
        absl::StrAppend(&out, out.size() > 5 ? "," : "", kind, single.node.value());
    }
    if (change->transition == ConfChangeTransition::kJointImplicit) {
        absl::StrAppend(&out, "/implicit");
    } else if (change->transition == ConfChangeTransition::kJointExplicit) {
        absl::StrAppend(&out, "/explicit");
    }
    return out;
}

std::string FormatEntries(const std::vector<Entry>& entries) {
    return absl::StrJoin(entries, ", ", [](std::string* out, const Entry& entry) {
        absl::StrAppend(out, FormatEntry(entry));
    });
}

}  // namespace

std::string FormatEntry(const Entry& entry) {
    std::string out = absl::StrCat(entry.term.value(), "/", entry.index.value());
    if (entry.type == EntryType::kConfChange) {
        absl::StrAppend(&out, " ", FormatConfChange(entry.data));
    } else if (entry.data.empty()) {
        absl::StrAppend(&out, " noop");
    } else {
        absl::StrAppend(&out, " \"", entry.data, "\"");
    }
    return out;
}

std::string FormatConf(const ConfState& conf) {
    std::string out = absl::StrCat("voters=", Ids(conf.voters));
    if (!conf.voters_outgoing.empty()) {
        absl::StrAppend(&out, "&&", Ids(conf.voters_outgoing));
    }
    if (!conf.learners.empty()) {
        absl::StrAppend(&out, " learners=", Ids(conf.learners));
    }
    if (!conf.learners_next.empty()) {
        absl::StrAppend(&out, " learners_next=", Ids(conf.learners_next));
    }
    if (conf.auto_leave) {
        absl::StrAppend(&out, " auto-leave");
    }
    return out;
}

std::string FormatMessage(const Message& m) {
    std::string out = absl::StrCat(
        m.from.value(), "->", m.to.value(), " ", MessageTypeName(m.type), " term=", m.term.value());
    switch (m.type) {
        case MessageType::kPreVote:
        case MessageType::kVote:
            absl::StrAppend(&out,
                            " last=",
                            m.log_term.value(),
                            "/",
                            m.index.value(),
                            m.leadership_transfer ? " transfer" : "");
            break;
        case MessageType::kPreVoteResponse:
        case MessageType::kVoteResponse:
            absl::StrAppend(&out, m.reject ? " rejected" : " granted");
            break;
        case MessageType::kAppend:
            absl::StrAppend(&out,
                            " prev=",
                            m.log_term.value(),
                            "/",
                            m.index.value(),
                            " commit=",
                            m.commit.value());
            if (!m.entries.empty()) {
                absl::StrAppend(&out, " [", FormatEntries(m.entries), "]");
            }
            break;
        case MessageType::kAppendResponse:
            if (m.reject) {
                absl::StrAppend(&out,
                                " rejected index=",
                                m.index.value(),
                                " hint=",
                                m.log_term.value(),
                                "/",
                                m.reject_hint.value());
            } else {
                absl::StrAppend(&out, " index=", m.index.value());
            }
            break;
        case MessageType::kHeartbeat:
            absl::StrAppend(&out, " commit=", m.commit.value());
            [[fallthrough]];
        case MessageType::kHeartbeatResponse:
            if (!m.context.empty()) {
                absl::StrAppend(&out, " ctx=", m.context);
            }
            break;
        case MessageType::kSnapshot:
            absl::StrAppend(&out,
                            " snap=",
                            m.snapshot->meta.term.value(),
                            "/",
                            m.snapshot->meta.index.value(),
                            " ",
                            FormatConf(m.snapshot->meta.conf_state));
            break;
        case MessageType::kReadIndex:
            absl::StrAppend(&out, " ctx=", m.context);
            break;
        case MessageType::kReadIndexResponse:
            absl::StrAppend(
                &out, m.reject ? " rejected" : "", " index=", m.index.value(), " ctx=", m.context);
            break;
        case MessageType::kTransferLeader:
            absl::StrAppend(&out, " transferee=", m.transferee.value());
            break;
        case MessageType::kTimeoutNow:
            break;
    }
    return out;
}

std::string EncodeStateMachine(const EnvNode& n, Index index) {
    std::string out;
    for (const auto& [at, data] : n.applied_data) {
        if (at <= index) {
            absl::StrAppend(&out, at.value(), ":", data, "\n");
        }
    }
    return out;
}

std::vector<std::pair<Index, std::string>> DecodeStateMachine(const std::string& payload) {
    std::vector<std::pair<Index, std::string>> data;
    for (absl::string_view line : absl::StrSplit(payload, '\n', absl::SkipEmpty())) {
        const size_t colon = line.find(':');
        uint64_t index = 0;
        KEEL_ASSERT(colon != absl::string_view::npos);
        KEEL_ASSERT(absl::SimpleAtoi(line.substr(0, colon), &index));
        data.emplace_back(Index(index), std::string(line.substr(colon + 1)));
    }
    return data;
}

Snapshot TakeSnapshot(const EnvNode& n, Index index) {
    ConfState conf = n.bootstrap;
    for (const auto& [at, c] : n.conf_history) {
        if (at <= index) {
            conf = c;
        }
    }
    Term term;
    for (const Entry& entry : n.applied_entries) {
        if (entry.index == index) {
            term = entry.term;
        }
    }
    if (n.storage.snapshot.has_value() && n.storage.snapshot->index == index) {
        term = n.storage.snapshot->term;
    }
    return Snapshot{.meta = {.index = index, .term = term, .conf_state = conf},
                    .data = EncodeStateMachine(n, index)};
}

void InteractionEnv::AddNodes(int count, const Config& tmpl, std::optional<ConfState> conf) {
    const uint64_t first = nodes_.empty() ? 1 : nodes_.rbegin()->first.value() + 1;
    ConfState bootstrap;
    if (conf.has_value()) {
        bootstrap = *conf;
    } else {
        for (int i = 0; i < count; ++i) {
            bootstrap.voters.push_back(NodeId(first + i));
        }
    }
    for (int i = 0; i < count; ++i) {
        const NodeId id(first + i);
        EnvNode n;
        n.config = tmpl;
        n.config.id = id;
        n.config.rng_seed = tmpl.rng_seed * 1000 + id.value();
        n.bootstrap = bootstrap;
        n.conf = bootstrap;
        absl::StatusOr<std::unique_ptr<RawNode>> raw =
            RawNode::Create(n.config, Restored{.conf_state = bootstrap});
        KEEL_ASSERT_MSG(raw.ok(), "%s", raw.status().ToString());
        n.raw = *std::move(raw);
        nodes_.emplace(id, std::move(n));
    }
}

EnvNode& InteractionEnv::node(NodeId id) {
    auto it = nodes_.find(id);
    KEEL_ASSERT_MSG(it != nodes_.end(), "no node %d", id.value());
    return it->second;
}

std::vector<NodeId> InteractionEnv::ids() const {
    std::vector<NodeId> out;
    for (const auto& [id, n] : nodes_) {
        out.push_back(id);
    }
    return out;
}

void InteractionEnv::Print(const std::string& line) {
    absl::StrAppend(&out_, line, "\n");
}

void InteractionEnv::Persist(EnvNode& n, const Ready& ready) {
    NodeStorage& storage = n.storage;
    if (ready.hard_state.has_value()) {
        storage.hard_state = *ready.hard_state;
    }
    if (ready.snapshot.has_value()) {
        storage.snapshot = ready.snapshot->meta;
        storage.snapshot_data = ready.snapshot->data;
        storage.entries.clear();
    }
    if (!ready.entries.empty()) {
        const Index first = ready.entries.front().index;
        std::erase_if(storage.entries, [&](const Entry& e) { return e.index >= first; });
        storage.entries.insert(storage.entries.end(), ready.entries.begin(), ready.entries.end());
    }
}

void InteractionEnv::Apply(EnvNode& n, const Ready& ready) {
    const NodeId id = n.config.id;
    if (ready.snapshot.has_value()) {
        n.applied_data = DecodeStateMachine(ready.snapshot->data);
        n.applied = ready.snapshot->meta.index;
        n.conf = ready.snapshot->meta.conf_state;
        n.conf_history[n.applied] = n.conf;
        if (level_ >= LogLevel::kInfo) {
            Print(absl::StrCat(id.value(),
                               " installed snapshot ",
                               ready.snapshot->meta.term.value(),
                               "/",
                               n.applied.value()));
        }
    }
    for (const Entry& entry : ready.committed_entries) {
        KEEL_ASSERT(entry.index == n.applied.Next());
        n.applied = entry.index;
        n.applied_entries.push_back(entry);
        if (entry.type == EntryType::kConfChange) {
            absl::StatusOr<ConfChange> change = DecodeConfChange(entry.data);
            KEEL_ASSERT(change.ok());
            n.conf = n.raw->ApplyConfChange(*change);
            n.conf_history[entry.index] = n.conf;
        } else if (!entry.data.empty()) {
            n.applied_data.emplace_back(entry.index, entry.data);
        }
        if (level_ >= LogLevel::kInfo) {
            Print(absl::StrCat(id.value(), " applied ", FormatEntry(entry)));
        }
    }
    for (const ReadState& read : ready.read_states) {
        n.read_states.push_back(read);
        if (level_ >= LogLevel::kInfo) {
            Print(
                absl::StrCat(id.value(), " read ", read.context, " at index ", read.index.value()));
        }
    }
    for (const std::string& context : ready.dropped_read_contexts) {
        n.dropped_reads.push_back(context);
        if (level_ >= LogLevel::kInfo) {
            Print(absl::StrCat(id.value(), " dropped read ", context));
        }
    }
}

void InteractionEnv::PrintReady(NodeId id, const Ready& ready) {
    if (ready.soft_state.has_value() && level_ >= LogLevel::kInfo) {
        const SoftState& soft = *ready.soft_state;
        Print(absl::StrCat(id.value(),
                           " is ",
                           RoleName(soft.role),
                           " at term ",
                           node(id).raw->term().value(),
                           " (leader ",
                           soft.leader.value(),
                           ")"));
    }
    if (level_ < LogLevel::kDebug) {
        return;
    }
    if (ready.hard_state.has_value()) {
        const HardState& hard = *ready.hard_state;
        Print(absl::StrCat(id.value(),
                           " persist hard term=",
                           hard.term.value(),
                           " vote=",
                           hard.voted_for.value(),
                           " commit=",
                           hard.commit.value()));
    }
    if (!ready.entries.empty()) {
        Print(absl::StrCat(id.value(), " persist entries ", FormatEntries(ready.entries)));
    }
    for (const Message& m : ready.messages) {
        Print(absl::StrCat(id.value(), " send ", FormatMessage(m)));
    }
}

bool InteractionEnv::ProcessReady(NodeId id) {
    EnvNode& n = node(id);
    if (!n.raw->HasReady()) {
        return false;
    }
    Ready ready = n.raw->GetReady();
    PrintReady(id, ready);
    Persist(n, ready);
    for (Message& m : ready.messages) {
        network_.push_back(std::move(m));
    }
    Apply(n, ready);
    n.raw->Advance();
    return true;
}

bool InteractionEnv::LinkCut(NodeId a, NodeId b) const {
    return cut_.contains({a, b}) || cut_.contains({b, a});
}

void InteractionEnv::ReportSnapshotOutcome(const Message& m, SnapshotStatus status) {
    if (m.type == MessageType::kSnapshot && nodes_.contains(m.from)) {
        node(m.from).raw->ReportSnapshot(m.to, status);
    }
}

size_t InteractionEnv::DeliverMsgs(const std::vector<NodeId>& to) {
    std::deque<Message> keep;
    std::vector<Message> deliver;
    for (Message& m : network_) {
        const bool selected = to.empty() || std::find(to.begin(), to.end(), m.to) != to.end();
        (selected ? deliver.emplace_back(std::move(m)) : keep.emplace_back(std::move(m)));
    }
    network_ = std::move(keep);
    for (const Message& m : deliver) {
        if (LinkCut(m.from, m.to) || !nodes_.contains(m.to)) {
            if (level_ >= LogLevel::kInfo) {
                Print(absl::StrCat("dropped ", FormatMessage(m)));
            }
            ReportSnapshotOutcome(m, SnapshotStatus::kFailed);
            continue;
        }
        if (level_ >= LogLevel::kInfo) {
            Print(FormatMessage(m));
        }
        if (absl::Status s = node(m.to).raw->Step(m); !s.ok()) {
            Print(absl::StrCat(m.to.value(), " rejected message: ", s.ToString()));
        }
        ReportSnapshotOutcome(m, SnapshotStatus::kFinished);
    }
    return deliver.size();
}

size_t InteractionEnv::DeliverRandom(base::Rng& rng, int drop_percent, int deliver_percent) {
    std::deque<Message> keep;
    std::vector<Message> deliver;
    for (Message& m : network_) {
        if (rng.Chance(drop_percent, 100)) {
            ReportSnapshotOutcome(m, SnapshotStatus::kFailed);
            continue;
        }
        (rng.Chance(deliver_percent, 100) ? deliver.emplace_back(std::move(m))
                                          : keep.emplace_back(std::move(m)));
    }
    network_ = std::move(keep);
    for (const Message& m : deliver) {
        if (LinkCut(m.from, m.to) || !nodes_.contains(m.to)) {
            ReportSnapshotOutcome(m, SnapshotStatus::kFailed);
            continue;
        }
        if (absl::Status s = node(m.to).raw->Step(m); !s.ok()) {
            ADD_FAILURE() << "node " << m.to << " rejected " << FormatMessage(m) << ": " << s;
        }
        ReportSnapshotOutcome(m, SnapshotStatus::kFinished);
    }
    return deliver.size();
}

size_t InteractionEnv::DropMsgs(NodeId from, NodeId to) {
    const size_t before = network_.size();
    std::erase_if(network_, [&](const Message& m) {
        return (from.is_none() || m.from == from) && (to.is_none() || m.to == to);
    });
    return before - network_.size();
}

void InteractionEnv::Stabilize(const std::vector<NodeId>& only) {
    const std::vector<NodeId> targets = only.empty() ? ids() : only;
    for (int round = 0; round < kStabilizeRoundsMax; ++round) {
        bool progress = false;
        for (NodeId id : targets) {
            progress |= ProcessReady(id);
        }
        progress |= DeliverMsgs(targets) > 0;
        if (!progress) {
            return;
        }
    }
    ADD_FAILURE() << "stabilize did not settle within " << kStabilizeRoundsMax << " rounds";
}

void InteractionEnv::Cut(NodeId a, NodeId b) {
    cut_.insert({a, b});
}

void InteractionEnv::Isolate(NodeId id) {
    for (const auto& [other, n] : nodes_) {
        if (other != id) {
            Cut(id, other);
        }
    }
}

void InteractionEnv::Heal() {
    cut_.clear();
}

void InteractionEnv::Restart(NodeId id) {
    EnvNode& n = node(id);
    Restored restored{.hard_state = n.storage.hard_state,
                      .snapshot = n.storage.snapshot,
                      .snapshot_data = n.storage.snapshot_data,
                      .entries = n.storage.entries,
                      .conf_state = n.bootstrap,
                      .applied = n.applied};
    absl::StatusOr<std::unique_ptr<RawNode>> raw = RawNode::Create(n.config, restored);
    KEEL_ASSERT_MSG(raw.ok(), "%s", raw.status().ToString());
    n.raw = *std::move(raw);
    n.read_states.clear();
}

absl::Status InteractionEnv::Compact(NodeId id, Index index) {
    EnvNode& n = node(id);
    Snapshot snapshot = TakeSnapshot(n, index);
    KEEL_RETURN_IF_ERROR(n.raw->Compact(snapshot));
    std::erase_if(n.storage.entries, [&](const Entry& e) { return e.index <= index; });
    n.storage.snapshot = snapshot.meta;
    n.storage.snapshot_data = std::move(snapshot.data);
    return absl::OkStatus();
}

void InteractionEnv::Tick(NodeId id, int count) {
    for (int i = 0; i < count; ++i) {
        node(id).raw->Tick();
    }
}

std::string InteractionEnv::Status(NodeId id) const {
    const raft::Status st = nodes_.at(id).raw->GetStatus();
    std::string out = absl::StrCat(id.value(),
                                   ": ",
                                   RoleName(st.soft_state.role),
                                   " term=",
                                   st.hard_state.term.value(),
                                   " vote=",
                                   st.hard_state.voted_for.value(),
                                   " leader=",
                                   st.soft_state.leader.value(),
                                   " commit=",
                                   st.hard_state.commit.value(),
                                   " applied=",
                                   st.applied.value(),
                                   " log=[",
                                   st.first_index.value(),
                                   ",",
                                   st.last_index.value(),
                                   "]\n");
    absl::StrAppend(&out, "  ", FormatConf(st.conf_state), "\n");
    if (!st.lead_transferee.is_none()) {
        absl::StrAppend(&out, "  transferring to ", st.lead_transferee.value(), "\n");
    }
    for (const ProgressView& pr : st.progress) {
        static constexpr const char* kStates[] = {"probe", "replicate", "snapshot"};
        absl::StrAppend(&out,
                        "  ",
                        pr.id.value(),
                        ": match=",
                        pr.match.value(),
                        " next=",
                        pr.next.value(),
                        " ",
                        kStates[static_cast<int>(pr.state)],
                        pr.is_learner ? " learner" : "",
                        pr.inflight_msgs > 0 ? absl::StrCat(" inflight=", pr.inflight_msgs) : "",
                        "\n");
    }
    return out;
}

std::string InteractionEnv::RaftLog(NodeId id) const {
    const EnvNode& n = nodes_.at(id);
    std::string out;
    if (n.storage.snapshot.has_value()) {
        absl::StrAppend(&out,
                        "snapshot ",
                        n.storage.snapshot->term.value(),
                        "/",
                        n.storage.snapshot->index.value(),
                        "\n");
    }
    for (const Entry& entry : n.storage.entries) {
        absl::StrAppend(&out, FormatEntry(entry), "\n");
    }
    return out.empty() ? "empty\n" : out;
}

}  // namespace keel::raft::testing
