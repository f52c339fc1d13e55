#include "keelctl/output.h"

#include <cstdio>
#include <iostream>

#include <absl/strings/escaping.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_join.h>
#include <nlohmann/json.hpp>

namespace keel::ctl {
namespace {

using client::KeyValue;
using nlohmann::json;

json KvJson(const KeyValue& kv) {
    json j{{"key", absl::Base64Escape(kv.key)},
           {"create_revision", kv.create_revision},
           {"mod_revision", kv.mod_revision},
           {"version", kv.version}};
    if (!kv.value.empty()) {
        j["value"] = absl::Base64Escape(kv.value);
    }
    if (kv.lease != 0) {
        j["lease"] = kv.lease;
    }
    return j;
}

json Header(int64_t revision) {
    return json{{"revision", revision}};
}

void PrintJson(const json& j) {
    std::cout << j.dump() << "\n";
}

// Prints rows under a header line, columns padded to their widest cell.
void PrintTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
    std::vector<size_t> widths(header.size());
    for (size_t c = 0; c < header.size(); ++c) {
        widths[c] = header[c].size();
        for (const auto& row : rows) {
            widths[c] = std::max(widths[c], row[c].size());
        }
    }
    std::string rule = "+";
    for (const size_t width : widths) {
        rule += std::string(width + 2, '-') + "+";
    }
    const auto print_row = [&](const std::vector<std::string>& row) {
        std::string line = "|";
        for (size_t c = 0; c < row.size(); ++c) {
            line += " " + row[c] + std::string(widths[c] - row[c].size(), ' ') + " |";
        }
        std::cout << line << "\n";
    };
    std::cout << rule << "\n";
    print_row(header);
    std::cout << rule << "\n";
    for (const auto& row : rows) {
        print_row(row);
    }
    std::cout << rule << "\n";
}

std::string Hex(uint64_t id) {
    return absl::StrCat(absl::Hex(id));
}

}  // namespace

std::string LeaseIdText(int64_t id) {
    return Hex(static_cast<uint64_t>(id));
}

void Output::Put(const client::PutResult& result) const {
    if (format_ == OutputFormat::kJson) {
        json j{{"header", Header(result.revision)}};
        if (result.prev_kv.has_value()) {
            j["prev_kv"] = KvJson(*result.prev_kv);
        }
        PrintJson(j);
        return;
    }
    std::cout << "OK\n";
    if (result.prev_kv.has_value()) {
        std::cout << result.prev_kv->key << "\n" << result.prev_kv->value << "\n";
    }
}

void Output::Get(const client::GetResult& result, bool keys_only) const {
    if (format_ == OutputFormat::kJson) {
        json kvs = json::array();
        for (const KeyValue& kv : result.kvs) {
            kvs.push_back(KvJson(kv));
        }
        json j{{"header", Header(result.revision)}, {"count", result.count}};
        if (!result.kvs.empty()) {
            j["kvs"] = kvs;
        }
        if (result.more) {
            j["more"] = true;
        }
        PrintJson(j);
        return;
    }
    if (format_ == OutputFormat::kTable) {
        std::vector<std::vector<std::string>> rows;
        for (const KeyValue& kv : result.kvs) {
            rows.push_back({kv.key, kv.value, absl::StrCat(kv.mod_revision)});
        }
        PrintTable({"KEY", "VALUE", "MOD REVISION"}, rows);
        return;
    }
    for (const KeyValue& kv : result.kvs) {
        std::cout << kv.key << "\n";
        if (!keys_only) {
            std::cout << kv.value << "\n";
        }
    }
}

void Output::Delete(const client::DeleteResult& result) const {
    if (format_ == OutputFormat::kJson) {
        PrintJson(json{{"header", Header(result.revision)}, {"deleted", result.deleted}});
        return;
    }
    std::cout << result.deleted << "\n";
}

void Output::Txn(const client::TxnResult& result) const {
    if (format_ == OutputFormat::kJson) {
        json responses = json::array();
        for (const client::TxnOpResult& op : result.results) {
            if (const auto* get = std::get_if<client::GetResult>(&op)) {
                json kvs = json::array();
                for (const KeyValue& kv : get->kvs) {
                    kvs.push_back(KvJson(kv));
                }
                responses.push_back({{"response_range", {{"kvs", kvs}, {"count", get->count}}}});
            } else if (std::holds_alternative<client::PutResult>(op)) {
                responses.push_back({{"response_put", json::object()}});
            } else {
                const auto& del = std::get<client::DeleteResult>(op);
                responses.push_back({{"response_delete_range", {{"deleted", del.deleted}}}});
            }
        }
        PrintJson(json{{"header", Header(result.revision)},
                       {"succeeded", result.succeeded},
                       {"responses", responses}});
        return;
    }
    std::cout << (result.succeeded ? "SUCCESS" : "FAILURE") << "\n";
    for (const client::TxnOpResult& op : result.results) {
        std::cout << "\n";
        if (const auto* get = std::get_if<client::GetResult>(&op)) {
            Output(OutputFormat::kSimple).Get(*get, false);
        } else if (const auto* put = std::get_if<client::PutResult>(&op)) {
            Output(OutputFormat::kSimple).Put(*put);
        } else {
            Output(OutputFormat::kSimple).Delete(std::get<client::DeleteResult>(op));
        }
    }
}

void Output::WatchEvents(const std::vector<client::WatchEvent>& events) const {
    for (const client::WatchEvent& event : events) {
        const bool put = event.type == client::WatchEvent::Type::kPut;
        if (format_ == OutputFormat::kJson) {
            PrintJson(json{{"type", put ? "PUT" : "DELETE"}, {"kv", KvJson(event.kv)}});
            continue;
        }
        std::cout << (put ? "PUT" : "DELETE") << "\n" << event.kv.key << "\n";
        if (put) {
            std::cout << event.kv.value << "\n";
        }
    }
    std::cout.flush();
}

void Output::LeaseGrant(const client::LeaseGrantResult& result) const {
    if (format_ == OutputFormat::kJson) {
        PrintJson(json{{"ID", result.id}, {"TTL", result.ttl_s}});
        return;
    }
    std::cout << "lease " << LeaseIdText(result.id) << " granted with TTL(" << result.ttl_s
              << "s)\n";
}

void Output::LeaseRevoke(int64_t id) const {
    if (format_ == OutputFormat::kJson) {
        PrintJson(json{{"ID", id}, {"revoked", true}});
        return;
    }
    std::cout << "lease " << LeaseIdText(id) << " revoked\n";
}

void Output::LeaseTimeToLive(const client::LeaseTimeToLiveResult& result) const {
    if (format_ == OutputFormat::kJson) {
        json keys = json::array();
        for (const std::string& key : result.keys) {
            keys.push_back(absl::Base64Escape(key));
        }
        PrintJson(json{{"id", result.id},
                       {"ttl", result.ttl_s},
                       {"granted-ttl", result.granted_ttl_s},
                       {"keys", keys}});
        return;
    }
    if (result.ttl_s < 0) {
        std::cout << "lease " << LeaseIdText(result.id) << " already expired\n";
        return;
    }
    std::cout << "lease " << LeaseIdText(result.id) << " granted with TTL(" << result.granted_ttl_s
              << "s), remaining(" << result.ttl_s << "s)";
    if (!result.keys.empty()) {
        std::cout << ", attached keys(" << absl::StrJoin(result.keys, ", ") << ")";
    }
    std::cout << "\n";
}

void Output::LeaseKeepAlive(int64_t id, int64_t ttl_s) const {
    if (format_ == OutputFormat::kJson) {
        PrintJson(json{{"ID", id}, {"TTL", ttl_s}});
    } else {
        std::cout << "lease " << LeaseIdText(id) << " keepalived with TTL(" << ttl_s << ")\n";
    }
    std::cout.flush();
}

void Output::Lock(const client::LockResult& result) const {
    if (format_ == OutputFormat::kJson) {
        PrintJson(
            json{{"key", absl::Base64Escape(result.key)}, {"fencing_token", result.fencing_token}});
    } else {
        std::cout << result.key << "\nfencing token " << result.fencing_token << "\n";
    }
    std::cout.flush();
}

void Output::MemberList(const std::vector<client::Member>& members) const {
    if (format_ == OutputFormat::kJson) {
        json list = json::array();
        for (const client::Member& m : members) {
            list.push_back({{"ID", m.id},
                            {"name", m.name},
                            {"peerURLs", m.peer_urls},
                            {"clientURLs", m.client_urls},
                            {"isLearner", m.is_learner}});
        }
        PrintJson(json{{"members", list}});
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const client::Member& m : members) {
        rows.push_back({Hex(m.id),
                        m.name.empty() ? "unstarted" : "started",
                        m.name,
                        absl::StrJoin(m.peer_urls, ","),
                        absl::StrJoin(m.client_urls, ","),
                        m.is_learner ? "true" : "false"});
    }
    if (format_ == OutputFormat::kTable) {
        PrintTable({"ID", "STATUS", "NAME", "PEER ADDRS", "CLIENT ADDRS", "IS LEARNER"}, rows);
        return;
    }
    for (const auto& row : rows) {
        std::cout << absl::StrJoin(row, ", ") << "\n";
    }
}

void Output::EndpointStatus(const std::vector<client::EndpointStatus>& statuses) const {
    if (format_ == OutputFormat::kJson) {
        json list = json::array();
        for (const client::EndpointStatus& s : statuses) {
            list.push_back({{"Endpoint", s.endpoint},
                            {"Status",
                             {{"header", {{"member_id", s.member_id}, {"revision", s.revision}}},
                              {"version", s.version},
                              {"dbSize", s.db_size},
                              {"leader", s.leader},
                              {"raftIndex", s.raft_index},
                              {"raftTerm", s.raft_term},
                              {"raftAppliedIndex", s.raft_applied_index},
                              {"errors", s.errors}}}});
        }
        PrintJson(list);
        return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const client::EndpointStatus& s : statuses) {
        rows.push_back({s.endpoint,
                        Hex(s.member_id),
                        s.version,
                        absl::StrCat(s.db_size, " B"),
                        s.leader != 0 && s.leader == s.member_id ? "true" : "false",
                        absl::StrCat(s.raft_term),
                        absl::StrCat(s.raft_index),
                        absl::StrCat(s.raft_applied_index),
                        absl::StrJoin(s.errors, "; ")});
    }
    if (format_ == OutputFormat::kTable) {
        PrintTable({"ENDPOINT",
                    "ID",
                    "VERSION",
                    "DB SIZE",
                    "IS LEADER",
                    "RAFT TERM",
                    "RAFT INDEX",
                    "RAFT APPLIED INDEX",
                    "ERRORS"},
                   rows);
        return;
    }
    for (const auto& row : rows) {
        std::cout << absl::StrJoin(row, ", ") << "\n";
    }
}

void Output::Session(const char* verb, uint64_t id) const {
    if (format_ == OutputFormat::kJson) {
        PrintJson(json{{"session_id", id}, {"result", verb}});
        return;
    }
    if (std::string(verb) == "registered") {
        std::cout << id << "\n";
    } else {
        std::cout << "session " << id << " " << verb << "\n";
    }
}

void Output::SnapshotStatus(const SnapshotStatusFields& status) const {
    if (format_ == OutputFormat::kJson) {
        PrintJson(json{{"hash", status.hash},
                       {"revision", status.revision},
                       {"totalKey", status.total_keys},
                       {"totalSize", status.total_size_bytes}});
        return;
    }
    const std::vector<std::string> row = {absl::StrFormat("%x", status.hash),
                                          absl::StrCat(status.revision),
                                          absl::StrCat(status.total_keys),
                                          absl::StrCat(status.total_size_bytes, " B")};
    if (format_ == OutputFormat::kTable) {
        PrintTable({"HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE"}, {row});
        return;
    }
    std::cout << absl::StrJoin(row, ", ") << "\n";
}

}  // namespace keel::ctl
