// keelctl: a command-line client for keel, in etcdctl's image (verbs, flags, -w formats), plus
// keel's sessions:
//
//   keelctl --endpoints=127.0.0.1:2379 put greeting hello --exactly-once
//   keelctl get greeting -w json
//   keelctl session register --ttl=30s
//
// Errors print one line, "Error: <message>", on stderr and exit 1 (2 for bad flags).
#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "keelctl/command_context.h"
#include "keelctl/snapshot_commands.h"

namespace keel::ctl {
namespace {

int Main(int argc, char** argv) {
    CLI::App app("keelctl: a command-line client for keel (and etcd)", "keelctl");
    CommandContext context;
    GlobalFlags& flags = context.flags;
    app.add_option("--endpoints", flags.endpoints, "comma-separated gRPC endpoints")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.add_option("-w,--write-out", flags.write_out, "output format: simple, json or table")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.add_option("--command-timeout", flags.command_timeout, "timeout of a command (e.g. 5s)");
    app.add_option("--dial-timeout", flags.dial_timeout, "timeout of one attempt (e.g. 2s)");
    app.add_flag("--exactly-once",
                 flags.exactly_once,
                 "retry writes within a keel session: each executes exactly once");
    app.add_flag("--at-least-once",
                 flags.at_least_once,
                 "retry writes without a session (may execute twice)");
    app.require_subcommand(1);
    // Global flags may come after the subcommand, as with etcdctl.
    app.fallthrough();
    AddKvCommands(app, context);
    AddTxnCommand(app, context);
    AddWatchCommand(app, context);
    AddLeaseCommands(app, context);
    AddLockCommand(app, context);
    AddClusterCommands(app, context);
    AddSessionCommands(app, context);
    AddSnapshotCommands(app, context);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) {
            return app.exit(e);
        }
        std::cerr << "Error: " << e.what() << "\n";
        return 2;
    }
    if (!context.run) {
        std::cerr << "Error: no command given (see --help)\n";
        return 2;
    }
    const absl::Status status = context.run();
    if (!status.ok()) {
        std::cerr << "Error: " << status.message() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace
}  // namespace keel::ctl

int main(int argc, char** argv) {
    return keel::ctl::Main(argc, argv);
}
