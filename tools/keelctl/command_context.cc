#include "keelctl/command_context.h"

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_split.h>

namespace keel::ctl {

absl::StatusOr<std::chrono::milliseconds> ParseDuration(const std::string& text) {
    const std::pair<const char*, int64_t> units[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}};
    for (const auto& [suffix, scale] : units) {
        const std::string unit = suffix;
        if (text.size() > unit.size()
            && text.compare(text.size() - unit.size(), unit.size(), unit) == 0) {
            double value = 0;
            if (absl::SimpleAtod(text.substr(0, text.size() - unit.size()), &value) && value > 0) {
                return std::chrono::milliseconds(static_cast<int64_t>(value * scale));
            }
            break;
        }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("bad duration \"", text, "\" (want e.g. 500ms, 5s, 1m)"));
}

absl::StatusOr<std::unique_ptr<client::Client>> CommandContext::MakeClient() const {
    client::ClientOptions options;
    for (absl::string_view endpoint : absl::StrSplit(flags.endpoints, ',', absl::SkipEmpty())) {
        options.endpoints.emplace_back(endpoint);
    }
    absl::StatusOr<std::chrono::milliseconds> command_timeout =
        ParseDuration(flags.command_timeout);
    if (!command_timeout.ok()) {
        return command_timeout.status();
    }
    absl::StatusOr<std::chrono::milliseconds> dial_timeout = ParseDuration(flags.dial_timeout);
    if (!dial_timeout.ok()) {
        return dial_timeout.status();
    }
    options.call_timeout = *command_timeout;
    options.attempt_timeout = std::min(*dial_timeout, *command_timeout);
    if (flags.exactly_once && flags.at_least_once) {
        return absl::InvalidArgumentError("--exactly-once and --at-least-once exclude each other");
    }
    options.write_semantics = flags.exactly_once    ? client::CallSemantics::kExactlyOnce
                              : flags.at_least_once ? client::CallSemantics::kAtLeastOnce
                                                    : client::CallSemantics::kMaybe;
    return client::Client::Connect(std::move(options));
}

absl::StatusOr<Output> CommandContext::MakeOutput() const {
    if (flags.write_out == "simple") {
        return Output(OutputFormat::kSimple);
    }
    if (flags.write_out == "json") {
        return Output(OutputFormat::kJson);
    }
    if (flags.write_out == "table") {
        return Output(OutputFormat::kTable);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported output format \"", flags.write_out, "\" (simple, json, table)"));
}

}  // namespace keel::ctl
