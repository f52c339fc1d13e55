#include "server/cluster_config.h"

#include <algorithm>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/str_split.h>
#include <absl/strings/strip.h>

namespace keel::server {
namespace {

constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

}  // namespace

uint64_t StableHash64(absl::string_view bytes) {
    uint64_t hash = kFnvOffsetBasis;
    for (const char c : bytes) {
        hash ^= static_cast<uint8_t>(c);
        hash *= kFnvPrime;
    }
    return hash;
}

NodeId MemberIdFromName(absl::string_view name) {
    const uint64_t hash = StableHash64(name);
    return NodeId(hash == 0 ? 1 : hash);
}

const Member* ClusterConfig::Find(NodeId id) const {
    for (const Member& member : members) {
        if (member.id == id) {
            return &member;
        }
    }
    return nullptr;
}

const Member* ClusterConfig::FindByName(absl::string_view name) const {
    for (const Member& member : members) {
        if (member.name == name) {
            return &member;
        }
    }
    return nullptr;
}

raft::ConfState ClusterConfig::InitialConfState() const {
    raft::ConfState conf;
    for (const Member& member : members) {
        conf.voters.push_back(member.id);
    }
    std::sort(conf.voters.begin(), conf.voters.end());
    return conf;
}

absl::StatusOr<std::string> AddressFromUrl(absl::string_view url) {
    absl::string_view rest = url;
    if (absl::ConsumePrefix(&rest, "https://")) {
        return absl::InvalidArgumentError(absl::StrCat("TLS is not supported yet: ", url));
    }
    absl::ConsumePrefix(&rest, "http://");
    absl::ConsumeSuffix(&rest, "/");
    if (rest.find("://") != absl::string_view::npos || rest.find('/') != absl::string_view::npos) {
        return absl::InvalidArgumentError(absl::StrCat("unsupported URL: ", url));
    }
    const size_t colon = rest.rfind(':');
    uint32_t port = 0;
    if (colon == absl::string_view::npos || colon == 0
        || !absl::SimpleAtoi(rest.substr(colon + 1), &port) || port == 0 || port > 65535) {
        return absl::InvalidArgumentError(absl::StrCat("URL needs host:port: ", url));
    }
    return std::string(rest);
}

absl::StatusOr<std::vector<std::string>> AddressesFromUrls(absl::string_view urls) {
    std::vector<std::string> addresses;
    for (absl::string_view url : absl::StrSplit(urls, ',', absl::SkipWhitespace())) {
        absl::StatusOr<std::string> address = AddressFromUrl(absl::StripAsciiWhitespace(url));
        if (!address.ok()) {
            return address.status();
        }
        addresses.push_back(*std::move(address));
    }
    if (addresses.empty()) {
        return absl::InvalidArgumentError("no URL given");
    }
    return addresses;
}

uint64_t ClusterIdOf(absl::string_view canonical, absl::string_view token) {
    if (token.empty()) {
        return StableHash64(canonical);
    }
    return StableHash64(absl::StrCat(canonical, "\n", token));
}

absl::StatusOr<ClusterConfig> ParseInitialCluster(absl::string_view flag, absl::string_view token) {
    ClusterConfig config;
    for (absl::string_view item : absl::StrSplit(flag, ',', absl::SkipWhitespace())) {
        item = absl::StripAsciiWhitespace(item);
        const size_t eq = item.find('=');
        if (eq == absl::string_view::npos || eq == 0) {
            return absl::InvalidArgumentError(
                absl::StrCat("--initial-cluster entry is not name=url: ", item));
        }
        Member member{.id = MemberIdFromName(item.substr(0, eq)),
                      .name = std::string(item.substr(0, eq)),
                      .peer_url = std::string(item.substr(eq + 1))};
        absl::StatusOr<std::string> address = AddressFromUrl(member.peer_url);
        if (!address.ok()) {
            return address.status();
        }
        member.peer_address = *std::move(address);
        for (const Member& other : config.members) {
            if (other.name == member.name || other.id == member.id) {
                return absl::InvalidArgumentError(
                    absl::StrCat("--initial-cluster names member ", member.name, " twice"));
            }
        }
        config.members.push_back(std::move(member));
    }
    if (config.members.empty() || config.members.size() > kMembersMax) {
        return absl::InvalidArgumentError(
            absl::StrCat("--initial-cluster must name 1 to ", kMembersMax, " members"));
    }
    std::sort(config.members.begin(), config.members.end(), [](const Member& a, const Member& b) {
        return a.name < b.name;
    });
    const std::string canonical =
        absl::StrJoin(config.members, ",", [](std::string* out, const Member& m) {
            absl::StrAppend(out, m.name, "=", m.peer_url);
        });
    config.cluster_id = ClusterIdOf(canonical, token);
    return config;
}

}  // namespace keel::server
