// Restoring a backup into a new cluster's data directory (server/snapshot_restore.h): the pure
// plan and checks, and a whole restore on a real disk read back the way keeld reads it.
#include "server/snapshot_restore.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "server/backup_file.h"
#include "server/checkpoint_archive.h"
#include "server/data_dir.h"
#include "server/member_join.h"
#include "server/membership.h"
#include "storage/posix_file_system.h"
#include "storage/wal.h"

namespace keel::server {
namespace {

constexpr char kNewCluster[] = "r1=http://127.0.0.1:3380,r2=http://127.0.0.1:3480";

RestoreOptions Options(const std::string& data_dir) {
    return RestoreOptions{.name = "r1",
                          .data_dir = data_dir,
                          .initial_cluster = kNewCluster,
                          .initial_cluster_token = "t",
                          .initial_advertise_peer_urls = "http://127.0.0.1:3380"};
}

TEST(RestorePlan, IdsAreKeeldsForTheNewClusterAndToken) {
    const absl::StatusOr<RestorePlan> plan = PlanRestore(Options("d"));
    ASSERT_TRUE(plan.ok()) << plan.status();
    const absl::StatusOr<ClusterConfig> keeld = ParseInitialCluster(kNewCluster, "t");
    ASSERT_TRUE(keeld.ok());
    EXPECT_EQ(plan->cluster.cluster_id, keeld->cluster_id);
    EXPECT_NE(plan->cluster.cluster_id, ParseInitialCluster(kNewCluster)->cluster_id);
    EXPECT_EQ(plan->self, MemberIdFromName("r1"));
    EXPECT_EQ(plan->membership.SerializeAsString(),
              BootstrapMembership(*keeld).SerializeAsString());
    EXPECT_EQ(plan->member_file, MemberFileText("r1", MemberIdFromName("r1"), *keeld));
}

TEST(RestorePlan, BadFlagsAreRefusedByName) {
    RestoreOptions options = Options("d");
    options.name = "r3";
    EXPECT_EQ(PlanRestore(options).status().message(), "--name=r3 is not in --initial-cluster");
    options = Options("d");
    options.initial_advertise_peer_urls = "http://127.0.0.1:9999";
    EXPECT_TRUE(absl::IsInvalidArgument(PlanRestore(options).status()));
    options = Options("");
    EXPECT_EQ(PlanRestore(options).status().message(), "--data-dir is required");
    options = Options("d");
    options.initial_cluster = "r1";
    EXPECT_TRUE(absl::IsInvalidArgument(PlanRestore(options).status()));
}

TEST(RestorePlan, FreshRaftStateIsTermOneCommittedAtTheStoreIndex) {
    const ClusterConfig cluster = *ParseInitialCluster(kNewCluster);
    const FreshRaftState fresh = FreshRaftStateAt(cluster, Index(42));
    EXPECT_EQ(fresh.marker.index, Index(42));
    EXPECT_EQ(fresh.marker.term, Term(1));
    EXPECT_EQ(fresh.marker.conf_state, cluster.InitialConfState());
    EXPECT_EQ(fresh.hard_state, (raft::HardState{.term = Term(1), .commit = Index(42)}));
}

class SnapshotRestoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "keel-restore-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        archive_ = StoreArchive();
        backup_ = SealBackup(archive_);
        WriteFile(Path("backup.db"), backup_);
    }

    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string Path(const std::string& name) const { return dir_ + "/" + name; }

    static void WriteFile(const std::string& path, const std::string& bytes) {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << bytes;
    }

    // A store with puts, a delete, a lease and a compaction (applied index 7, revision 6),
    // packed as Maintenance.Snapshot packs it.
    std::string StoreArchive() {
        {
            auto store = kv::MvccStore::Open(Path("source"), {});
            EXPECT_TRUE(store.ok());
            kv::MvccStore& s = **store;
            s.ApplyPut({.index = Index(1)}, {.key = "a", .value = "1"});
            s.ApplyPut({.index = Index(2)}, {.key = "b", .value = "2"});
            s.ApplyPut({.index = Index(3)}, {.key = "a", .value = "3"});
            s.ApplyDeleteRange({.index = Index(4)}, {.key = "b"});
            s.ApplyLeaseGrant({.index = Index(5)}, {.ttl = 60, .id = LeaseId(7)});
            s.ApplyPut({.index = Index(6)}, {.key = "l", .value = "x", .lease = LeaseId(7)});
            s.ApplyCompaction({.index = Index(7)}, {.revision = Revision(3)});
            EXPECT_EQ(s.applied_index(), Index(7));
            EXPECT_TRUE(s.CreateCheckpoint(Path("ckpt")).ok());
        }
        storage::PosixFileSystem fs;
        auto archive = PackCheckpoint(fs, Path("ckpt"), 64 << 20);
        EXPECT_TRUE(archive.ok());
        return *archive;
    }

    storage::PosixFileSystem fs_;
    std::string dir_;
    std::string archive_;
    std::string backup_;
};

TEST_F(SnapshotRestoreTest, ArchiveOfBackupFindsTheArchiveBeforeThePadding) {
    const absl::StatusOr<std::string_view> archive = ArchiveOfBackup(backup_);
    ASSERT_TRUE(archive.ok()) << archive.status();
    EXPECT_EQ(*archive, archive_);
}

TEST_F(SnapshotRestoreTest, EveryDamageIsDataLoss) {
    // Truncated: the size is wrong.
    EXPECT_TRUE(absl::IsDataLoss(ArchiveOfBackup(backup_.substr(0, backup_.size() - 1)).status()));
    // A flipped bit: the SHA-256 trailer.
    std::string flipped = backup_;
    flipped[archive_.size() / 2] ^= 1;
    EXPECT_TRUE(absl::IsDataLoss(ArchiveOfBackup(flipped).status()));
    // A flipped bit under a trailer that matches (resealed): the file's CRC32C.
    std::string bad_file = archive_;
    bad_file[archive_.size() - 1] ^= 1;
    const absl::Status crc = ArchiveOfBackup(SealBackup(bad_file)).status();
    EXPECT_TRUE(absl::IsDataLoss(crc));
    EXPECT_NE(crc.message().find("fails its checksum"), std::string::npos) << crc;
    // Bytes other than zeros between the archive and the trailer.
    const absl::Status junk = ArchiveOfBackup(SealBackup(archive_ + "x")).status();
    EXPECT_TRUE(absl::IsDataLoss(junk));
    EXPECT_NE(junk.message().find("not padding"), std::string::npos) << junk;
    // A whole block of zeros after the archive is not padding either.
    EXPECT_TRUE(absl::IsDataLoss(
        ArchiveOfBackup(SealBackup(archive_ + std::string(kBackupAlignBytes, '\0'))).status()));
}

TEST_F(SnapshotRestoreTest, StatusReadsTheStore) {
    const absl::StatusOr<BackupStatus> status = ReadBackupStatus(Path("backup.db"), dir_);
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_EQ(status->revision, Revision(6));
    EXPECT_EQ(status->compact_revision, Revision(3));
    EXPECT_EQ(status->total_keys, 2);  // a, l
    EXPECT_EQ(status->applied_index, Index(7));
    EXPECT_GT(status->total_size_bytes, 0U);
    auto source = kv::MvccStore::Open(Path("source"), {});
    ASSERT_TRUE(source.ok());
    EXPECT_EQ(status->hash, (*source)->HashKv(Revision())->hash);
    // Nothing is left behind in the scratch directory.
    size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir_)) {
        ++entries;
    }
    EXPECT_EQ(entries, 3U);  // source, ckpt, backup.db
}

TEST_F(SnapshotRestoreTest, RestoredDirectoryIsWhatKeeldOpens) {
    const std::string data_dir = Path("new/r1");
    const absl::StatusOr<RestoreResult> result =
        RestoreBackup(Path("backup.db"), Options(data_dir));
    ASSERT_TRUE(result.ok()) << result.status();
    const RestorePlan plan = *PlanRestore(Options(data_dir));
    EXPECT_EQ(result->member_id, plan.self);
    EXPECT_EQ(result->cluster_id, plan.cluster.cluster_id);
    EXPECT_EQ(result->revision, Revision(6));
    EXPECT_EQ(result->index, Index(8));
    EXPECT_FALSE(std::filesystem::exists(data_dir + ".restoring"));

    // The store: the backup's state, the new membership at index 8.
    {
        auto store = kv::MvccStore::Open(data_dir + "/" + kStoreDirName, {});
        ASSERT_TRUE(store.ok());
        EXPECT_EQ((*store)->applied_index(), Index(8));
        EXPECT_EQ((*store)->revision(), Revision(6));
        EXPECT_EQ((*store)->compacted_revision(), Revision(3));
        EXPECT_EQ((*store)->ClusterRecord(), plan.membership.SerializeAsString());
        EXPECT_EQ((*store)->LeaseLeases().leases.size(), 1U);
        (*store)->CheckInvariants();
    }
    // The WAL: the marker and hard state, no entries.
    auto wal = storage::Wal::Open(fs_, data_dir + "/" + kWalDirName, {});
    ASSERT_TRUE(wal.ok()) << wal.status();
    const FreshRaftState fresh = FreshRaftStateAt(plan.cluster, Index(8));
    EXPECT_EQ(wal->contents.snapshot, fresh.marker);
    EXPECT_EQ(wal->contents.hard_state, fresh.hard_state);
    EXPECT_TRUE(wal->contents.entries.empty());
    // The member file.
    auto member = storage::ReadWholeFile(fs_, data_dir + "/" + kMemberFileName);
    ASSERT_TRUE(member.ok());
    EXPECT_EQ(*member, plan.member_file);

    // Restoring again into the same (now full) directory is refused.
    const absl::Status again = RestoreBackup(Path("backup.db"), Options(data_dir)).status();
    EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
}

TEST_F(SnapshotRestoreTest, ACorruptFileLeavesNoDataDirectory) {
    std::string flipped = backup_;
    flipped[archive_.size() / 3] ^= 0x40;
    WriteFile(Path("flipped.db"), flipped);
    const std::string data_dir = Path("new/r1");
    const absl::Status status = RestoreBackup(Path("flipped.db"), Options(data_dir)).status();
    EXPECT_TRUE(absl::IsDataLoss(status)) << status;
    EXPECT_NE(status.message().find("flipped.db"), std::string::npos) << status;
    EXPECT_FALSE(std::filesystem::exists(data_dir));
    EXPECT_FALSE(std::filesystem::exists(data_dir + ".restoring"));
    // An empty directory is a valid target, and stays empty when the file is bad.
    std::filesystem::create_directories(data_dir);
    EXPECT_TRUE(absl::IsDataLoss(RestoreBackup(Path("flipped.db"), Options(data_dir)).status()));
    EXPECT_TRUE(std::filesystem::is_empty(data_dir));
    EXPECT_TRUE(RestoreBackup(Path("backup.db"), Options(data_dir)).ok());
}

}  // namespace
}  // namespace keel::server
