// LogMatchingChecker: if two logs hold an entry with the same index and term, they are
// identical up to that index (Raft paper, Figure 3, "Log Matching", §5.3).
//
// It mirrors each node's log as Raft reports it (the entries of each Ready, received
// snapshots, and what a restarted node recovered) as a chain of prefix hashes: the hash at
// index i covers every entry up to i. A global map from (index, term) to the first prefix
// hash seen there turns the pairwise property into one lookup per appended entry. Other
// checkers use the mirrors to ask what a node's log holds (leader completeness, commits).
//
// Owned by the cluster harness; single-threaded.
//
// Invariant: for every node, hashes_.size() == terms_.size() + 1 and hashes_[0] is the hash
//            at base_index (0 with no snapshot).
// Invariant: every (index, term) in the mirrors maps to the same prefix hash in first_hash_.
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "raft/types.h"
#include "sim/violation.h"

namespace keel::sim {

class LogMatchingChecker {
public:
    explicit LogMatchingChecker(ViolationLog* log) : log_(log) {}

    // The node (re)started with `snapshot` (if any) followed by `entries`.
    void Reset(NodeId node,
               const std::optional<raft::SnapshotMeta>& snapshot,
               const std::vector<raft::Entry>& entries);

    // The node appended `entries`, replacing its log from entries[0].index on.
    void Append(NodeId node, const std::vector<raft::Entry>& entries);

    // The node installed a snapshot received from the leader (Figure 13, steps 6 and 7).
    void InstallSnapshot(NodeId node, const raft::SnapshotMeta& meta);

    // The prefix hash of `node`'s log at `index`, if the mirror covers that index.
    std::optional<uint64_t> PrefixHash(NodeId node, Index index) const;
    Index LastIndex(NodeId node) const;
    Index BaseIndex(NodeId node) const;

private:
    struct Mirror {
        Index base_index;
        std::vector<Term> terms;       // terms[k] is the term at base_index + 1 + k
        std::vector<uint64_t> hashes;  // hashes[k] is the prefix hash at base_index + k
    };

    // Records (index, term) -> hash, or reports a mismatch with the first hash seen there.
    void Witness(NodeId node, Index index, Term term, uint64_t hash);
    const Mirror* Find(NodeId node) const;

    ViolationLog* log_;
    std::map<NodeId, Mirror> mirrors_;
    absl::flat_hash_map<std::pair<uint64_t, uint64_t>, uint64_t> first_hash_;
};

}  // namespace keel::sim
