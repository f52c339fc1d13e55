// The state keelctl's commands share: global flags, the chosen command, and the client they
// build from the flags.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <absl/status/status.h>
#include <absl/status/statusor.h>

#include "keel/client.h"
#include "keelctl/output.h"

namespace keel::ctl {

struct GlobalFlags {
    std::string endpoints = "127.0.0.1:2379";
    std::string write_out = "simple";
    std::string command_timeout = "5s";
    std::string dial_timeout = "2s";
    bool exactly_once = false;
    bool at_least_once = false;
};

struct CommandContext {
    GlobalFlags flags;
    // The parsed subcommand's action; set by its CLI11 callback.
    std::function<absl::Status()> run;

    // A client for the global flags (writes: maybe semantics unless --exactly-once or
    // --at-least-once). Errors: bad endpoints or durations.
    absl::StatusOr<std::unique_ptr<client::Client>> MakeClient() const;
    absl::StatusOr<Output> MakeOutput() const;
};

// "500ms", "5s", "1m" -> a duration. InvalidArgument otherwise.
absl::StatusOr<std::chrono::milliseconds> ParseDuration(const std::string& text);

// Each adds its subcommands to `app`; their callbacks set context.run.
void AddKvCommands(CLI::App& app, CommandContext& context);
void AddTxnCommand(CLI::App& app, CommandContext& context);
void AddWatchCommand(CLI::App& app, CommandContext& context);
void AddLeaseCommands(CLI::App& app, CommandContext& context);
void AddLockCommand(CLI::App& app, CommandContext& context);
void AddClusterCommands(CLI::App& app, CommandContext& context);
void AddSessionCommands(CLI::App& app, CommandContext& context);

}  // namespace keel::ctl
