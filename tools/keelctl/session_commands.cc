// keelctl session register | keepalive | close: keel's client sessions by hand
// (docs/sessions.md). etcdctl has no equivalent.
#include "keelctl/command_context.h"

namespace keel::ctl {
namespace {

enum class Verb {
    kRegister,
    kKeepAlive,
    kClose
};

struct SessionFlags {
    std::string ttl = "60s";
    uint64_t id = 0;
};

absl::Status RunSession(const CommandContext& context, Verb verb, const SessionFlags& flags) {
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    if (verb == Verb::kRegister) {
        absl::StatusOr<std::chrono::milliseconds> ttl = ParseDuration(flags.ttl);
        if (!ttl.ok()) {
            return ttl.status();
        }
        absl::StatusOr<uint64_t> id = (*c)->RegisterSession(*ttl);
        if (!id.ok()) {
            return id.status();
        }
        out->Session("registered", *id);
        return absl::OkStatus();
    }
    const absl::Status status =
        verb == Verb::kKeepAlive ? (*c)->SessionKeepAlive(flags.id) : (*c)->SessionClose(flags.id);
    if (!status.ok()) {
        return status;
    }
    out->Session(verb == Verb::kKeepAlive ? "kept alive" : "closed", flags.id);
    return absl::OkStatus();
}

void AddVerb(
    CLI::App* session, CommandContext& context, Verb verb, const char* name, const char* help) {
    auto flags = std::make_shared<SessionFlags>();
    CLI::App* cmd = session->add_subcommand(name, help);
    if (verb == Verb::kRegister) {
        cmd->add_option("--ttl", flags->ttl, "time to live without activity (e.g. 60s)");
    } else {
        cmd->add_option("id", flags->id, "session id")->required();
    }
    cmd->callback([&context, verb, flags] {
        context.run = [&context, verb, flags] {
            return RunSession(context, verb, *flags);
        };
    });
}

}  // namespace

void AddSessionCommands(CLI::App& app, CommandContext& context) {
    CLI::App* session = app.add_subcommand("session", "keel client sessions (exactly-once writes)");
    session->require_subcommand(1);
    AddVerb(session, context, Verb::kRegister, "register", "Opens a session; prints its id");
    AddVerb(session, context, Verb::kKeepAlive, "keepalive", "Marks a session active");
    AddVerb(session, context, Verb::kClose, "close", "Ends a session");
}

}  // namespace keel::ctl
