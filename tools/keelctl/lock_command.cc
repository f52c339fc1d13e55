// keelctl lock NAME: takes the lock with a fresh lease kept alive meanwhile, prints the lock
// key and its fencing token, holds it until interrupted (or for --hold), then releases it.
#include <chrono>

#include "keelctl/command_context.h"
#include "keelctl/signals.h"

namespace keel::ctl {
namespace {

struct LockFlags {
    std::string name;
    int64_t ttl_s = 60;
    std::string hold;
};

absl::Status RunLock(const CommandContext& context, const LockFlags& flags) {
    std::optional<std::chrono::milliseconds> hold;
    if (!flags.hold.empty()) {
        absl::StatusOr<std::chrono::milliseconds> parsed = ParseDuration(flags.hold);
        if (!parsed.ok()) {
            return parsed.status();
        }
        hold = *parsed;
    }
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    absl::StatusOr<client::LeaseGrantResult> lease = (*c)->LeaseGrant(flags.ttl_s);
    if (!lease.ok()) {
        return lease.status();
    }
    std::unique_ptr<client::LeaseKeepAlive> keeper = (*c)->KeepAlive(lease->id);
    absl::StatusOr<client::LockResult> lock = (*c)->Lock(flags.name, lease->id);
    if (!lock.ok()) {
        keeper->Stop();
        (void)(*c)->LeaseRevoke(lease->id);
        return lock.status();
    }
    out->Lock(*lock);
    const auto until =
        std::chrono::steady_clock::now() + hold.value_or(std::chrono::hours(24 * 365));
    WaitForStop(
        [&] { return !keeper->status().ok() || std::chrono::steady_clock::now() >= until; });
    keeper->Stop();
    const absl::Status unlocked = (*c)->Unlock(lock->key);
    (void)(*c)->LeaseRevoke(lease->id);
    if (!keeper->status().ok()) {
        return absl::AbortedError("keel: lost the lock: its lease expired");
    }
    return unlocked;
}

}  // namespace

void AddLockCommand(CLI::App& app, CommandContext& context) {
    auto flags = std::make_shared<LockFlags>();
    CLI::App* lock =
        app.add_subcommand("lock", "Acquires a named lock and prints its fencing token");
    lock->add_option("name", flags->name)->required();
    lock->add_option("--ttl", flags->ttl_s, "timeout for the lock's lease, in seconds");
    lock->add_option("--hold", flags->hold, "release after this long (default: until ^C)");
    lock->callback([&context, flags] {
        context.run = [&context, flags] {
            return RunLock(context, *flags);
        };
    });
}

}  // namespace keel::ctl
