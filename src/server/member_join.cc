#include "server/member_join.h"

#include <thread>

#include <absl/strings/numbers.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <absl/strings/str_split.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include "base/status.h"
#include "keel/v1/membership.grpc.pb.h"
#include "server/data_dir.h"
#include "server/membership.h"
#include "storage/file_system.h"
#include "storage/posix_file_system.h"

namespace keel::server {
namespace {

constexpr std::chrono::milliseconds kAskTimeout{1000};
constexpr std::chrono::milliseconds kAskRetryInterval{200};

absl::StatusOr<keel::v1::MembershipRecord> AskForMembership(const std::string& address) {
    auto stub = keel::v1::MembershipPeer::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kAskTimeout);
    keel::v1::MembershipRecord record;
    const grpc::Status status =
        stub->GetMembership(&context, keel::v1::GetMembershipRequest(), &record);
    if (!status.ok()) {
        return absl::UnavailableError(
            absl::StrCat(address, " did not answer: ", status.error_message()));
    }
    return record;
}

// Joins: asks the other members for the membership and finds this member in it.
absl::StatusOr<MemberIdentity> Join(const Member& self,
                                    const ClusterConfig& flag_cluster,
                                    std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last_error = "no other member is named in --initial-cluster";
    while (true) {
        for (const Member& other : flag_cluster.members) {
            if (other.id == self.id) {
                continue;
            }
            absl::StatusOr<keel::v1::MembershipRecord> record =
                AskForMembership(other.peer_address);
            if (!record.ok()) {
                last_error = std::string(record.status().message());
                continue;
            }
            MemberIdentity identity;
            for (const keel::v1::MemberRecord& member : record->members()) {
                const bool is_self =
                    std::find(member.peer_urls().begin(), member.peer_urls().end(), self.peer_url)
                    != member.peer_urls().end();
                if (is_self) {
                    identity.id = NodeId(member.id());
                } else if (member.peer_urls_size() > 0) {
                    if (auto address = AddressFromUrl(member.peer_urls(0)); address.ok()) {
                        identity.known_peers.emplace_back(NodeId(member.id()), *address);
                    }
                }
            }
            if (identity.id.is_none()) {
                return absl::FailedPreconditionError(
                    absl::StrCat("no member of the cluster has peer URL ",
                                 self.peer_url,
                                 "; add this member first (etcdctl member add ",
                                 self.name,
                                 " --peer-urls=",
                                 self.peer_url,
                                 ")"));
            }
            KEEL_ASSIGN_OR_RETURN(identity.bootstrap, ParseInitialCluster(record->bootstrap()));
            // The record's id decides: it may include an --initial-cluster-token (or come from
            // a restored backup), which the bootstrap list alone does not show.
            identity.bootstrap.cluster_id = record->cluster_id();
            spdlog::info(
                "joining cluster {:x} as member {:x}", record->cluster_id(), identity.id.value());
            return identity;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return absl::UnavailableError(
                absl::StrCat("cannot reach the cluster to join: ", last_error));
        }
        std::this_thread::sleep_for(kAskRetryInterval);
    }
}

// The identity a member file records, or nullopt for a file of the first format (name and
// cluster id only), whose member is a bootstrap member identified by --initial-cluster.
absl::StatusOr<std::optional<MemberIdentity>> ReadMemberFile(const std::string& contents,
                                                             const std::string& name,
                                                             const std::string& data_dir) {
    std::string found_name;
    std::string cluster_id;
    std::string member_id;
    std::string initial_cluster;
    for (absl::string_view line : absl::StrSplit(contents, '\n', absl::SkipEmpty())) {
        const std::pair<absl::string_view, absl::string_view> kv =
            absl::StrSplit(line, absl::MaxSplits('=', 1));
        if (kv.first == "name") {
            found_name = std::string(kv.second);
        } else if (kv.first == "cluster_id") {
            cluster_id = std::string(kv.second);
        } else if (kv.first == "member_id") {
            member_id = std::string(kv.second);
        } else if (kv.first == "initial_cluster") {
            initial_cluster = std::string(kv.second);
        }
    }
    if (found_name != name) {
        return absl::FailedPreconditionError(
            absl::StrCat(data_dir, " belongs to member ", found_name, ", not to --name=", name));
    }
    if (member_id.empty() || initial_cluster.empty()) {
        return std::nullopt;
    }
    uint64_t id = 0;
    uint64_t recorded_cluster_id = 0;
    if (!absl::SimpleHexAtoi(member_id, &id) || id == 0) {
        return absl::DataLossError(absl::StrCat(data_dir, "/member: bad member_id"));
    }
    if (!absl::SimpleHexAtoi(cluster_id, &recorded_cluster_id)) {
        return absl::DataLossError(absl::StrCat(data_dir, "/member: bad cluster_id"));
    }
    MemberIdentity identity;
    identity.id = NodeId(id);
    KEEL_ASSIGN_OR_RETURN(identity.bootstrap, ParseInitialCluster(initial_cluster));
    // The recorded id decides (an --initial-cluster-token is part of it; MemberFileText).
    identity.bootstrap.cluster_id = recorded_cluster_id;
    return std::optional<MemberIdentity>(std::move(identity));
}

// The addresses --debug-peer-dial gave for the members of `flags` carry over to the same
// members (same name and peer URL) of a bootstrap list read from elsewhere.
void KeepDialAddresses(const ClusterConfig& flags, ClusterConfig& bootstrap) {
    for (Member& member : bootstrap.members) {
        const Member* flagged = flags.FindByName(member.name);
        if (flagged != nullptr && flagged->peer_url == member.peer_url) {
            member.peer_address = flagged->peer_address;
        }
    }
}

}  // namespace

absl::StatusOr<MemberIdentity> ResolveMemberIdentity(const std::string& name,
                                                     const std::string& data_dir,
                                                     const ClusterConfig& flag_cluster,
                                                     InitialClusterState state,
                                                     std::chrono::milliseconds timeout) {
    const Member* self = flag_cluster.FindByName(name);
    if (self == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("--name=", name, " is not in --initial-cluster"));
    }
    storage::PosixFileSystem fs;
    const std::string path = storage::JoinPath(data_dir, kMemberFileName);
    if (fs.Exists(path)) {
        KEEL_ASSIGN_OR_RETURN(const std::string contents, storage::ReadWholeFile(fs, path));
        KEEL_ASSIGN_OR_RETURN(std::optional<MemberIdentity> recorded,
                              ReadMemberFile(contents, name, data_dir));
        if (recorded.has_value()) {
            KeepDialAddresses(flag_cluster, recorded->bootstrap);
            return *std::move(recorded);
        }
        return MemberIdentity{.id = self->id, .bootstrap = flag_cluster, .known_peers = {}};
    }
    if (state == InitialClusterState::kExisting) {
        KEEL_ASSIGN_OR_RETURN(MemberIdentity joined, Join(*self, flag_cluster, timeout));
        KeepDialAddresses(flag_cluster, joined.bootstrap);
        return joined;
    }
    return MemberIdentity{.id = self->id, .bootstrap = flag_cluster, .known_peers = {}};
}

keel::v1::MembershipRecord LoadMembership(const kv::MvccStore& store,
                                          const ClusterConfig& cluster) {
    if (const std::optional<std::string> bytes = store.ClusterRecord(); bytes.has_value()) {
        keel::v1::MembershipRecord record;
        KEEL_ASSERT_MSG(record.ParseFromString(*bytes), "the store's cluster record is corrupt");
        CheckMembershipInvariants(record);
        return record;
    }
    return BootstrapMembership(cluster);
}

std::string MemberFileIdentityLines(NodeId self, const ClusterConfig& bootstrap) {
    return absl::StrFormat("member_id=%016x\ninitial_cluster=%s\n",
                           self.value(),
                           BootstrapMembership(bootstrap).bootstrap());
}

std::string MemberFileText(const std::string& name, NodeId self, const ClusterConfig& bootstrap) {
    return absl::StrCat(absl::StrFormat("name=%s\ncluster_id=%016x\n", name, bootstrap.cluster_id),
                        MemberFileIdentityLines(self, bootstrap));
}

}  // namespace keel::server
