// MaintenanceService: etcd's Maintenance service on one member: Status (what `etcdctl endpoint
// status` shows), Hash and HashKV (`etcdctl endpoint hashkv`), Defragment (`etcdctl defrag`)
// and Snapshot (`etcdctl snapshot save`). The other methods answer UNIMPLEMENTED.
//
// Snapshot streams a RocksDB checkpoint packed as server/checkpoint_archive.h describes and
// sealed as server/backup_file.h describes (padding and a SHA-256 trailer, as etcd's stream
// ends), not a bbolt file: `etcdctl snapshot save` stores it, but etcdctl's `snapshot status`
// and `snapshot restore` open the file as bbolt and refuse it; keelctl's read it
// (snapshot_restore.h, docs/snapshots.md).
//
// Threading: gRPC threads; stateless apart from references.
#pragma once

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "server/raft_node.h"

namespace keel::server {

// The version keeld reports: the etcd API it implements, marked as keel's. A pre-release tag
// in semver terms, so a client gating features on "3.4" sees 3.4.
inline constexpr char kServerVersion[] = "3.4.23-keel";

// The most blob bytes in one SnapshotResponse (etcd sends 32 KiB).
inline constexpr size_t kSnapshotBlobBytesMax = 32 * 1024;

class MaintenanceService final : public etcdserverpb::Maintenance::Service {
public:
    explicit MaintenanceService(RaftNode& node) : node_(node) {}

    // Leader, term, commit ("raftIndex", as etcd reports it), applied index, store size and
    // whether this member is a learner.
    grpc::Status Status(grpc::ServerContext* context,
                        const etcdserverpb::StatusRequest* request,
                        etcdserverpb::StatusResponse* response) override;

    // GET lists the raised alarms; ACTIVATE and DEACTIVATE change them through Raft (a
    // follower forwards to the leader). Defined in maintenance_alarm.cc.
    grpc::Status Alarm(grpc::ServerContext* context,
                       const etcdserverpb::AlarmRequest* request,
                       etcdserverpb::AlarmResponse* response) override;
    // A digest of this member's whole store (but its applied index).
    grpc::Status Hash(grpc::ServerContext* context,
                      const etcdserverpb::HashRequest* request,
                      etcdserverpb::HashResponse* response) override;

    // A digest of the MVCC history up to `revision` (0: current); equal on every member at a
    // revision. Errors: etcd's for a compacted or future revision.
    grpc::Status HashKV(grpc::ServerContext* context,
                        const etcdserverpb::HashKVRequest* request,
                        etcdserverpb::HashKVResponse* response) override;

    // Compacts this member's RocksDB files; apply waits meanwhile, as in etcd.
    grpc::Status Defragment(grpc::ServerContext* context,
                            const etcdserverpb::DefragmentRequest* request,
                            etcdserverpb::DefragmentResponse* response) override;

    // Streams a consistent copy of this member's store (see the file comment).
    grpc::Status Snapshot(grpc::ServerContext* context,
                          const etcdserverpb::SnapshotRequest* request,
                          grpc::ServerWriter<etcdserverpb::SnapshotResponse>* writer) override;
    // Leadership transfer (server/move_leader.h).
    grpc::Status MoveLeader(grpc::ServerContext* context,
                            const etcdserverpb::MoveLeaderRequest* request,
                            etcdserverpb::MoveLeaderResponse* response) override;

private:
    RaftNode& node_;
};

}  // namespace keel::server
