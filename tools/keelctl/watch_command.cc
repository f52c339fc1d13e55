// keelctl watch: prints events as they come, resuming after failures (client::Watcher), until
// interrupted or --max-events have been printed.
#include <csignal>
#include <mutex>

#include "keelctl/command_context.h"
#include "keelctl/signals.h"

namespace keel::ctl {
namespace {

struct WatchFlags {
    std::string key;
    std::string range_end;
    bool prefix = false;
    int64_t rev = 0;
    bool prev_kv = false;
    int64_t max_events = 0;
};

absl::Status RunWatch(const CommandContext& context, const WatchFlags& flags) {
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    std::mutex mu;
    int64_t printed = 0;
    const Output output = *out;
    std::unique_ptr<client::Watcher> watcher =
        (*c)->Watch(flags.key,
                    {.prefix = flags.prefix,
                     .range_end = flags.range_end,
                     .start_revision = flags.rev,
                     .prev_kv = flags.prev_kv},
                    [&](const std::vector<client::WatchEvent>& events) {
                        std::lock_guard lock(mu);
                        output.WatchEvents(events);
                        printed += static_cast<int64_t>(events.size());
                        if (flags.max_events > 0 && printed >= flags.max_events) {
                            RequestStop();
                        }
                    });
    WaitForStop([&] { return !watcher->status().ok(); });
    watcher->Cancel();
    return watcher->status();
}

}  // namespace

void AddWatchCommand(CLI::App& app, CommandContext& context) {
    auto flags = std::make_shared<WatchFlags>();
    CLI::App* watch = app.add_subcommand("watch", "Watches events on a key or prefix");
    watch->add_option("key", flags->key)->required();
    watch->add_option("range_end", flags->range_end);
    watch->add_flag("--prefix", flags->prefix, "watch on a prefix");
    watch->add_option("--rev", flags->rev, "revision to start watching");
    watch->add_flag("--prev-kv", flags->prev_kv, "get the previous key-value pair");
    watch->add_option("--max-events", flags->max_events, "exit after this many events (keel)");
    watch->callback([&context, flags] {
        context.run = [&context, flags] {
            return RunWatch(context, *flags);
        };
    });
}

}  // namespace keel::ctl
