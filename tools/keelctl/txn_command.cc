// keelctl txn: reads etcdctl's txn form from stdin (txn_parser.h) and commits it.
#include <iostream>
#include <iterator>

#include "keelctl/command_context.h"
#include "keelctl/txn_parser.h"

namespace keel::ctl {
namespace {

absl::Status RunTxn(const CommandContext& context) {
    const std::string text((std::istreambuf_iterator<char>(std::cin)),
                           std::istreambuf_iterator<char>());
    absl::StatusOr<client::Txn> txn = ParseTxn(text);
    if (!txn.ok()) {
        return txn.status();
    }
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    absl::StatusOr<client::TxnResult> result = (*c)->Commit(*txn);
    (void)(*c)->CloseSession();
    if (!result.ok()) {
        return result.status();
    }
    out->Txn(*result);
    return absl::OkStatus();
}

}  // namespace

void AddTxnCommand(CLI::App& app, CommandContext& context) {
    CLI::App* txn = app.add_subcommand(
        "txn", "Txn from stdin: compares, blank line, success ops, blank line, failure ops");
    txn->callback([&context] {
        context.run = [&context] {
            return RunTxn(context);
        };
    });
}

}  // namespace keel::ctl
