// keelctl put, get and del (etcdctl's flags and output).
#include "keelctl/command_context.h"

namespace keel::ctl {
namespace {

struct PutFlags {
    std::string key;
    std::string value;
    std::string lease;
    bool prev_kv = false;
};

struct GetFlags {
    std::string key;
    std::string range_end;
    bool prefix = false;
    int64_t rev = 0;
    int64_t limit = 0;
    bool keys_only = false;
    bool count_only = false;
    std::string consistency = "l";
};

struct DelFlags {
    std::string key;
    std::string range_end;
    bool prefix = false;
    bool prev_kv = false;
};

// A lease id in etcdctl's hex form. InvalidArgument otherwise.
absl::StatusOr<int64_t> ParseLease(const std::string& text) {
    if (text.empty()) {
        return 0;
    }
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

// Closes the session an exactly-once command opened: the server drops its cached answers.
void EndSession(client::Client& c) {
    (void)c.CloseSession();
}

absl::Status RunPut(const CommandContext& context, const PutFlags& flags) {
    absl::StatusOr<int64_t> lease = ParseLease(flags.lease);
    if (!lease.ok()) {
        return lease.status();
    }
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    absl::StatusOr<client::PutResult> put =
        (*c)->Put(flags.key, flags.value, {.lease = *lease, .prev_kv = flags.prev_kv});
    EndSession(**c);
    if (!put.ok()) {
        return put.status();
    }
    out->Put(*put);
    return absl::OkStatus();
}

absl::Status RunGet(const CommandContext& context, const GetFlags& flags) {
    if (flags.consistency != "l" && flags.consistency != "s") {
        return absl::InvalidArgumentError("unknown consistency flag \"" + flags.consistency
                                          + "\" (l or s)");
    }
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    absl::StatusOr<client::GetResult> got = (*c)->Get(flags.key,
                                                      {.prefix = flags.prefix,
                                                       .range_end = flags.range_end,
                                                       .revision = flags.rev,
                                                       .limit = flags.limit,
                                                       .keys_only = flags.keys_only,
                                                       .count_only = flags.count_only,
                                                       .serializable = flags.consistency == "s"});
    if (!got.ok()) {
        return got.status();
    }
    out->Get(*got, flags.keys_only);
    return absl::OkStatus();
}

absl::Status RunDel(const CommandContext& context, const DelFlags& flags) {
    absl::StatusOr<Output> out = context.MakeOutput();
    absl::StatusOr<std::unique_ptr<client::Client>> c = context.MakeClient();
    if (!out.ok() || !c.ok()) {
        return out.ok() ? c.status() : out.status();
    }
    absl::StatusOr<client::DeleteResult> deleted = (*c)->Delete(
        flags.key,
        {.prefix = flags.prefix, .range_end = flags.range_end, .prev_kv = flags.prev_kv});
    EndSession(**c);
    if (!deleted.ok()) {
        return deleted.status();
    }
    out->Delete(*deleted);
    return absl::OkStatus();
}

}  // namespace

void AddKvCommands(CLI::App& app, CommandContext& context) {
    auto put_flags = std::make_shared<PutFlags>();
    CLI::App* put = app.add_subcommand("put", "Puts the given key into the store");
    put->add_option("key", put_flags->key)->required();
    put->add_option("value", put_flags->value)->required();
    put->add_option("--lease", put_flags->lease, "lease ID (in hexadecimal) to attach to the key");
    put->add_flag("--prev-kv", put_flags->prev_kv, "return the previous key-value pair");
    put->callback([&context, put_flags] {
        context.run = [&context, put_flags] {
            return RunPut(context, *put_flags);
        };
    });

    auto get_flags = std::make_shared<GetFlags>();
    CLI::App* get = app.add_subcommand("get", "Gets the key or a range of keys");
    get->add_option("key", get_flags->key)->required();
    get->add_option("range_end", get_flags->range_end);
    get->add_flag("--prefix", get_flags->prefix, "get keys with matching prefix");
    get->add_option("--rev", get_flags->rev, "specify the kv revision");
    get->add_option("--limit", get_flags->limit, "maximum number of results");
    get->add_flag("--keys-only", get_flags->keys_only, "get only the keys");
    get->add_flag("--count-only", get_flags->count_only, "get only the count");
    get->add_option(
        "--consistency", get_flags->consistency, "linearizable (l) or serializable (s)");
    get->callback([&context, get_flags] {
        context.run = [&context, get_flags] {
            return RunGet(context, *get_flags);
        };
    });

    auto del_flags = std::make_shared<DelFlags>();
    CLI::App* del = app.add_subcommand("del", "Removes the key or range of keys");
    del->add_option("key", del_flags->key)->required();
    del->add_option("range_end", del_flags->range_end);
    del->add_flag("--prefix", del_flags->prefix, "delete keys with matching prefix");
    del->add_flag("--prev-kv", del_flags->prev_kv, "return deleted key-value pairs");
    del->callback([&context, del_flags] {
        context.run = [&context, del_flags] {
            return RunDel(context, *del_flags);
        };
    });
}

}  // namespace keel::ctl
