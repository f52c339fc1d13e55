#include "check/watch_checker.h"

#include <utility>

#include <absl/strings/str_cat.h>

namespace keel::check {
namespace {

std::string Show(const WatchEvent& e) {
    return absl::StrCat("rev ", e.revision, " ", e.key, "=", e.value ? *e.value : "<deleted>");
}

bool SameEvent(const WatchEvent& a, const WatchEvent& b) {
    return a.revision == b.revision && a.key == b.key && a.value == b.value;
}

absl::Status Broken(const WatchRecord& record, size_t i, const std::string& what) {
    return absl::FailedPreconditionError(absl::StrCat(
        "watcher ", record.watcher, " event ", i, " (", Show(record.events[i]), "): ", what));
}

// Order, gaps and duplicates within one stream.
absl::Status CheckOrder(const WatchRecord& record, const RevisionFacts& facts) {
    for (size_t i = 0; i < record.events.size(); ++i) {
        const WatchEvent& e = record.events[i];
        if (i == 0 && e.revision != record.start_revision) {
            return Broken(
                record,
                i,
                absl::StrCat("first event, but the watch started at rev ", record.start_revision));
        }
        if (e.revision > facts.final_revision) {
            return Broken(
                record, i, absl::StrCat("past the final revision ", facts.final_revision));
        }
        if (i == 0) {
            continue;
        }
        const WatchEvent& prev = record.events[i - 1];
        if (e.revision < prev.revision) {
            return Broken(record, i, "revision goes backwards");
        }
        if (e.revision > prev.revision + 1) {
            return Broken(record, i, absl::StrCat("gap after rev ", prev.revision));
        }
        if (e.revision == prev.revision && e.key <= prev.key) {
            return Broken(record, i, "duplicate or unordered event within a revision");
        }
    }
    return absl::OkStatus();
}

}  // namespace

absl::Status CheckWatches(const std::vector<WatchRecord>& records, const RevisionFacts& facts) {
    std::map<std::pair<int64_t, std::string>, WatchEvent> seen;
    for (const WatchRecord& record : records) {
        if (absl::Status status = CheckOrder(record, facts); !status.ok()) {
            return status;
        }
        for (size_t i = 0; i < record.events.size(); ++i) {
            const WatchEvent& e = record.events[i];
            const auto acked = facts.writes.find(e.revision);
            if (acked != facts.writes.end() && acked->second.key == e.key
                && !SameEvent(acked->second, e)) {
                return Broken(record, i, "differs from the known write " + Show(acked->second));
            }
            if (acked != facts.writes.end() && acked->second.key != e.key) {
                return Broken(
                    record, i, "the known write at this revision is " + Show(acked->second));
            }
            const auto [it, inserted] = seen.emplace(std::make_pair(e.revision, e.key), e);
            if (!inserted && !SameEvent(it->second, e)) {
                return Broken(record, i, "another watcher saw " + Show(it->second));
            }
        }
    }
    return absl::OkStatus();
}

}  // namespace keel::check
