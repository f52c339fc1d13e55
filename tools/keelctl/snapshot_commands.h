// keelctl snapshot restore|status: offline commands on a backup file (`etcdctl snapshot save`),
// in a library of their own because they link keeld's server library (server/snapshot_restore.h)
// while the rest of keelctl needs only the client.
#pragma once

#include <CLI/CLI.hpp>

#include "keelctl/command_context.h"

namespace keel::ctl {

// Adds `snapshot restore` and `snapshot status`; their callbacks set context.run.
void AddSnapshotCommands(CLI::App& app, CommandContext& context);

}  // namespace keel::ctl
