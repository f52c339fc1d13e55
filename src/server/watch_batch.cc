#include "server/watch_batch.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include <absl/container/flat_hash_map.h>

#include "base/assert.h"

namespace keel::server {
namespace {

size_t EventsBytes(const kv::Events& events) {
    size_t bytes = 0;
    for (const kv::Event& event : events) {
        bytes += EventBytes(event);
    }
    return bytes;
}

// A merged message still open for more events of its watcher.
struct OpenRun {
    size_t index = 0;  // into the output
    size_t bytes = 0;
};

}  // namespace

std::vector<WatchMessage> CoalesceWatchMessages(std::vector<WatchMessage> queued,
                                                WatchBatchLimits limits) {
    KEEL_ASSERT(limits.events_max > 0);
    KEEL_ASSERT(limits.bytes_max > 0);
    std::vector<WatchMessage> out;
    out.reserve(queued.size());
    absl::flat_hash_map<WatchId, OpenRun> open;
    for (WatchMessage& message : queued) {
        if (message.kind != WatchMessage::Kind::kEvents) {
            open.clear();
            out.push_back(std::move(message));
            continue;
        }
        KEEL_ASSERT(!message.events.empty());
        const size_t bytes = EventsBytes(message.events);
        auto run = open.find(message.watch_id);
        if (run != open.end()) {
            WatchMessage& target = out[run->second.index];
            KEEL_ASSERT(target.watch_id == message.watch_id);
            KEEL_ASSERT_MSG(
                target.events.back().kv.mod_revision < message.events.front().kv.mod_revision,
                "watch %d: revision %d queued after %d",
                static_cast<int>(message.watch_id),
                message.events.front().kv.mod_revision.value(),
                target.events.back().kv.mod_revision.value());
            if (target.fragment == message.fragment
                && target.events.size() + message.events.size() <= limits.events_max
                && run->second.bytes + bytes <= limits.bytes_max) {
                target.events.insert(target.events.end(),
                                     std::make_move_iterator(message.events.begin()),
                                     std::make_move_iterator(message.events.end()));
                target.header_revision = std::max(target.header_revision, message.header_revision);
                run->second.bytes += bytes;
                continue;
            }
        }
        open[message.watch_id] = OpenRun{.index = out.size(), .bytes = bytes};
        out.push_back(std::move(message));
    }
    return out;
}

}  // namespace keel::server
