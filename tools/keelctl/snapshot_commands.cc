#include "keelctl/snapshot_commands.h"

#include <filesystem>
#include <iostream>
#include <memory>

#include <absl/strings/str_format.h>

#include "server/snapshot_restore.h"

namespace keel::ctl {
namespace {

struct RestoreFlags {
    std::string file;
    server::RestoreOptions options;
};

absl::Status RunStatus(const CommandContext& context, const std::string& file) {
    absl::StatusOr<Output> out = context.MakeOutput();
    if (!out.ok()) {
        return out.status();
    }
    std::error_code error;
    std::filesystem::path scratch = std::filesystem::temp_directory_path(error);
    if (error) {
        scratch = ".";
    }
    absl::StatusOr<server::BackupStatus> status = server::ReadBackupStatus(file, scratch.string());
    if (!status.ok()) {
        return status.status();
    }
    out->SnapshotStatus(
        SnapshotStatusFields{.hash = status->hash,
                             .revision = static_cast<int64_t>(status->revision.value()),
                             .total_keys = status->total_keys,
                             .total_size_bytes = status->total_size_bytes});
    return absl::OkStatus();
}

absl::Status RunRestore(const RestoreFlags& flags) {
    absl::StatusOr<server::RestoreResult> result = server::RestoreBackup(flags.file, flags.options);
    if (!result.ok()) {
        return result.status();
    }
    std::cout << absl::StrFormat(
        "restored %s into %s: member %s (%x) of new cluster %x, revision %d, raft index %d\n",
        flags.file,
        flags.options.data_dir,
        flags.options.name,
        result->member_id.value(),
        result->cluster_id,
        result->revision.value(),
        result->index.value());
    return absl::OkStatus();
}

}  // namespace

void AddSnapshotCommands(CLI::App& app, CommandContext& context) {
    CLI::App* snapshot = app.add_subcommand("snapshot", "Backup file commands (offline)");
    snapshot->require_subcommand(1);

    auto status_file = std::make_shared<std::string>();
    CLI::App* status = snapshot->add_subcommand(
        "status", "Prints a backup's hash (HashKV), revision, live keys and size");
    status->add_option("file", *status_file, "the file `snapshot save` wrote")->required();
    status->callback([&context, status_file] {
        context.run = [&context, status_file] {
            return RunStatus(context, *status_file);
        };
    });

    auto flags = std::make_shared<RestoreFlags>();
    CLI::App* restore = snapshot->add_subcommand(
        "restore", "Restores a backup into the data directory of one member of a new cluster");
    restore->add_option("file", flags->file, "the file `snapshot save` wrote")->required();
    restore->add_option("--name", flags->options.name, "this member's name")->required();
    restore->add_option("--data-dir", flags->options.data_dir, "the new data directory")
        ->required();
    restore
        ->add_option("--initial-cluster",
                     flags->options.initial_cluster,
                     "name=http://host:port,... for every member of the new cluster")
        ->required();
    restore->add_option("--initial-cluster-token",
                        flags->options.initial_cluster_token,
                        "mixed into the new cluster's id");
    restore->add_option("--initial-advertise-peer-urls",
                        flags->options.initial_advertise_peer_urls,
                        "this member's peer URL (checked against --initial-cluster)");
    restore->callback([&context, flags] {
        context.run = [flags] {
            return RunRestore(*flags);
        };
    });
}

}  // namespace keel::ctl
