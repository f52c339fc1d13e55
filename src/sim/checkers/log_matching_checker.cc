#include "sim/checkers/log_matching_checker.h"

#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "sim/state_machine.h"

namespace keel::sim {

void LogMatchingChecker::Reset(NodeId node,
                               const std::optional<raft::SnapshotMeta>& snapshot,
                               const std::vector<raft::Entry>& entries) {
    Mirror& mirror = mirrors_[node];
    mirror = Mirror{};
    mirror.hashes.push_back(kChainSeed);
    if (snapshot.has_value() && !snapshot->index.is_none()) {
        const auto it = first_hash_.find({snapshot->index.value(), snapshot->term.value()});
        if (it == first_hash_.end()) {
            log_->Report("log-matching",
                         absl::StrFormat("node %d holds a snapshot at %d/%d that no node ever "
                                         "appended",
                                         node.value(),
                                         snapshot->index.value(),
                                         snapshot->term.value()));
            return;
        }
        mirror.base_index = snapshot->index;
        mirror.hashes[0] = it->second;
    }
    Append(node, entries);
}

void LogMatchingChecker::Append(NodeId node, const std::vector<raft::Entry>& entries) {
    if (entries.empty()) {
        return;
    }
    Mirror& mirror = mirrors_[node];
    if (mirror.hashes.empty()) {
        mirror.hashes.push_back(kChainSeed);
    }
    const Index first = entries.front().index;
    const Index last = mirror.base_index + mirror.terms.size();
    if (first <= mirror.base_index || first > last.Next()) {
        log_->Report("log-matching",
                     absl::StrFormat("node %d appended at %d, outside its log (%d, %d]",
                                     node.value(),
                                     first.value(),
                                     mirror.base_index.value(),
                                     last.Next().value()));
        return;
    }
    const size_t keep = first - mirror.base_index.Next();
    mirror.terms.resize(keep);
    mirror.hashes.resize(keep + 1);
    for (const raft::Entry& entry : entries) {
        const uint64_t hash = ChainHash(mirror.hashes.back(), entry);
        mirror.terms.push_back(entry.term);
        mirror.hashes.push_back(hash);
        Witness(node, entry.index, entry.term, hash);
    }
}

void LogMatchingChecker::InstallSnapshot(NodeId node, const raft::SnapshotMeta& meta) {
    const Mirror* mirror = Find(node);
    if (mirror != nullptr && meta.index > mirror->base_index
        && meta.index <= mirror->base_index + mirror->terms.size()
        && mirror->terms[meta.index - mirror->base_index.Next()] == meta.term) {
        // The log continues the snapshot: the entries after it stay (Figure 13, step 6).
        return;
    }
    Reset(node, meta, {});
}

std::optional<uint64_t> LogMatchingChecker::PrefixHash(NodeId node, Index index) const {
    const Mirror* mirror = Find(node);
    if (mirror == nullptr || index < mirror->base_index
        || index > mirror->base_index + mirror->terms.size()) {
        return std::nullopt;
    }
    return mirror->hashes[index - mirror->base_index];
}

Index LogMatchingChecker::LastIndex(NodeId node) const {
    const Mirror* mirror = Find(node);
    return mirror == nullptr ? Index::None() : mirror->base_index + mirror->terms.size();
}

Index LogMatchingChecker::BaseIndex(NodeId node) const {
    const Mirror* mirror = Find(node);
    return mirror == nullptr ? Index::None() : mirror->base_index;
}

void LogMatchingChecker::Witness(NodeId node, Index index, Term term, uint64_t hash) {
    const auto [it, inserted] = first_hash_.try_emplace({index.value(), term.value()}, hash);
    if (!inserted && it->second != hash) {
        log_->Report("log-matching",
                     absl::StrFormat("node %d's log differs from an earlier log below the entry "
                                     "at index %d, term %d",
                                     node.value(),
                                     index.value(),
                                     term.value()));
    }
}

const LogMatchingChecker::Mirror* LogMatchingChecker::Find(NodeId node) const {
    const auto it = mirrors_.find(node);
    return it == mirrors_.end() ? nullptr : &it->second;
}

}  // namespace keel::sim
