// keelctl member list and endpoint status.
#include "keelctl/command_context.h"

namespace keel::ctl {
namespace {

absl::Status RunMemberList(const CommandContext& context) {
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    absl::StatusOr<std::vector<client::Member>> members = (*c)->MemberList();
    if (!members.ok()) {
        return members.status();
    }
    out->MemberList(*members);
    return absl::OkStatus();
}

absl::Status RunEndpointStatus(const CommandContext& context) {
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    const std::vector<client::EndpointStatus> statuses = (*c)->EndpointStatuses();
    out->EndpointStatus(statuses);
    for (const client::EndpointStatus& status : statuses) {
        if (status.member_id == 0) {
            return absl::UnavailableError("failed to get the status of endpoint " + status.endpoint
                                          + ": " + status.errors.front());
        }
    }
    return absl::OkStatus();
}

}  // namespace

void AddClusterCommands(CLI::App& app, CommandContext& context) {
    CLI::App* member = app.add_subcommand("member", "Membership related commands");
    member->require_subcommand(1);
    member->add_subcommand("list", "Lists all members in the cluster")->callback([&context] {
        context.run = [&context] {
            return RunMemberList(context);
        };
    });
    CLI::App* endpoint = app.add_subcommand("endpoint", "Endpoint related commands");
    endpoint->require_subcommand(1);
    endpoint->add_subcommand("status", "Prints the status of each endpoint")->callback([&context] {
        context.run = [&context] {
            return RunEndpointStatus(context);
        };
    });
}

}  // namespace keel::ctl
