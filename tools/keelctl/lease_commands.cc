// keelctl lease grant | revoke | timetolive | keep-alive (etcdctl's forms; ids in hex).
#include "keelctl/command_context.h"
#include "keelctl/signals.h"

namespace keel::ctl {
namespace {

struct LeaseFlags {
    int64_t ttl_s = 0;
    std::string id;
    bool keys = false;
    bool once = false;
};

absl::StatusOr<int64_t> ParseId(const std::string& text) {
    try {
        size_t used = 0;
        const uint64_t id = std::stoull(text, &used, 16);
        if (used == text.size()) {
            return static_cast<int64_t>(id);
        }
    } catch (const std::exception&) {
        // Falls through to the error below.
    }
    return absl::InvalidArgumentError("bad lease ID \"" + text + "\", expecting ID in Hex");
}

enum class Verb {
    kGrant,
    kRevoke,
    kTimeToLive,
    kKeepAlive
};

absl::Status KeepAlive(client::Client& c, const Output& out, int64_t id, bool once) {
    if (once) {
        absl::StatusOr<int64_t> ttl = c.LeaseKeepAliveOnce(id);
        if (!ttl.ok()) {
            return ttl.status();
        }
        out.LeaseKeepAlive(id, *ttl);
        return absl::OkStatus();
    }
    std::unique_ptr<client::LeaseKeepAlive> keeper = c.KeepAlive(id);
    int64_t shown = 0;
    WaitForStop([&] {
        if (keeper->last_ttl_s() != shown) {
            shown = keeper->last_ttl_s();
            out.LeaseKeepAlive(id, shown);
        }
        return !keeper->status().ok();
    });
    keeper->Stop();
    return keeper->status();
}

absl::Status RunLease(const CommandContext& context, Verb verb, const LeaseFlags& flags) {
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    if (verb == Verb::kGrant) {
        absl::StatusOr<client::LeaseGrantResult> granted = (*c)->LeaseGrant(flags.ttl_s);
        if (!granted.ok()) {
            return granted.status();
        }
        out->LeaseGrant(*granted);
        return absl::OkStatus();
    }
    absl::StatusOr<int64_t> id = ParseId(flags.id);
    if (!id.ok()) {
        return id.status();
    }
    if (verb == Verb::kRevoke) {
        if (absl::Status revoked = (*c)->LeaseRevoke(*id); !revoked.ok()) {
            return revoked;
        }
        out->LeaseRevoke(*id);
        return absl::OkStatus();
    }
    if (verb == Verb::kTimeToLive) {
        absl::StatusOr<client::LeaseTimeToLiveResult> ttl = (*c)->LeaseTimeToLive(*id, flags.keys);
        if (!ttl.ok()) {
            return ttl.status();
        }
        out->LeaseTimeToLive(*ttl);
        return absl::OkStatus();
    }
    return KeepAlive(**c, *out, *id, flags.once);
}

void AddVerb(
    CLI::App* lease, CommandContext& context, Verb verb, const char* name, const char* help) {
    auto flags = std::make_shared<LeaseFlags>();
    CLI::App* cmd = lease->add_subcommand(name, help);
    if (verb == Verb::kGrant) {
        cmd->add_option("ttl", flags->ttl_s, "seconds")->required();
    } else {
        cmd->add_option("id", flags->id, "lease ID in hex")->required();
    }
    if (verb == Verb::kTimeToLive) {
        cmd->add_flag("--keys", flags->keys, "list the keys attached to the lease");
    }
    if (verb == Verb::kKeepAlive) {
        cmd->add_flag("--once", flags->once, "refresh once and exit");
    }
    cmd->callback([&context, verb, flags] {
        context.run = [&context, verb, flags] {
            return RunLease(context, verb, *flags);
        };
    });
}

}  // namespace

void AddLeaseCommands(CLI::App& app, CommandContext& context) {
    CLI::App* lease = app.add_subcommand("lease", "Lease related commands");
    lease->require_subcommand(1);
    AddVerb(lease, context, Verb::kGrant, "grant", "Creates a lease with a TTL in seconds");
    AddVerb(lease, context, Verb::kRevoke, "revoke", "Revokes a lease");
    AddVerb(lease, context, Verb::kTimeToLive, "timetolive", "Gets a lease's remaining TTL");
    AddVerb(lease, context, Verb::kKeepAlive, "keep-alive", "Keeps a lease alive (until ^C)");
}

}  // namespace keel::ctl
