#include "transport/peer_transport.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "base/crc32c.h"

namespace keel::transport {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 10s;
const GroupAddress kGroup{.cluster_id = 7, .shard = ShardId(1)};

// What one node's transport delivered, with a way to wait for it.
struct Inbox {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<raft::Message> messages;
    std::vector<NodeId> unreachable;
    std::vector<std::pair<NodeId, SnapshotOutcome>> snapshots;

    PeerTransportCallbacks Callbacks() {
        return PeerTransportCallbacks{.on_messages =
                                          [this](std::vector<raft::Message> batch) {
                                              std::lock_guard lock(mu);
                                              for (auto& m : batch) {
                                                  messages.push_back(std::move(m));
                                              }
                                              cv.notify_all();
                                          },
                                      .on_unreachable =
                                          [this](NodeId peer) {
                                              std::lock_guard lock(mu);
                                              unreachable.push_back(peer);
                                              cv.notify_all();
                                          },
                                      .on_snapshot_sent =
                                          [this](NodeId peer, SnapshotOutcome outcome) {
                                              std::lock_guard lock(mu);
                                              snapshots.emplace_back(peer, outcome);
                                              cv.notify_all();
                                          }};
    }

    template <typename Pred>
    bool WaitFor(Pred pred) {
        std::unique_lock lock(mu);
        return cv.wait_for(lock, kWait, pred);
    }
};

// A transport with its own gRPC server on an ephemeral loopback port.
struct Node {
    Node(NodeId id, Inbox& inbox, PeerTransportOptions options = {})
        : transport(
            [&] {
                options.group = kGroup;
                options.self = id;
                return options;
            }(),
            inbox.Callbacks()) {
        grpc::ServerBuilder builder;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
        builder.RegisterService(transport.service());
        server = builder.BuildAndStart();
        EXPECT_NE(port, 0);
    }

    ~Node() {
        transport.Stop();
        server->Shutdown(std::chrono::system_clock::now() + 100ms);
    }

    std::string address() const { return "127.0.0.1:" + std::to_string(port); }

    PeerTransport transport;
    int port = 0;
    std::unique_ptr<grpc::Server> server;
};

// A client of `node`'s inbound service that bypasses PeerTransport, to send what it never would.
std::unique_ptr<pb::RaftTransport::Stub> RawStub(const Node& node) {
    return pb::RaftTransport::NewStub(
        grpc::CreateChannel(node.address(), grpc::InsecureChannelCredentials()));
}

raft::Message Heartbeat(uint64_t from, uint64_t to, uint64_t term) {
    raft::Message m;
    m.type = raft::MessageType::kHeartbeat;
    m.from = NodeId(from);
    m.to = NodeId(to);
    m.term = Term(term);
    return m;
}

TEST(PeerTransport, DeliversMessagesInOrder) {
    Inbox inbox_a;
    Inbox inbox_b;
    Node a(NodeId(1), inbox_a);
    Node b(NodeId(2), inbox_b);
    a.transport.AddPeer(NodeId(2), b.address());
    constexpr int kCount = 500;
    for (int i = 1; i <= kCount; ++i) {
        a.transport.Send({Heartbeat(1, 2, i)});
    }
    ASSERT_TRUE(inbox_b.WaitFor([&] { return inbox_b.messages.size() == kCount; }));
    for (int i = 0; i < kCount; ++i) {
        EXPECT_EQ(inbox_b.messages[i].term, Term(i + 1));
    }
    // The sender counts a batch after Write() returns, which may be after the receiver has it.
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (a.transport.stats().messages_sent < static_cast<uint64_t>(kCount)
           && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(a.transport.stats().messages_sent, static_cast<uint64_t>(kCount));
    EXPECT_LE(a.transport.stats().batches_sent, static_cast<uint64_t>(kCount));
}

TEST(PeerTransport, UnknownPeerIsReportedUnreachable) {
    Inbox inbox;
    Node a(NodeId(1), inbox);
    a.transport.Send({Heartbeat(1, 9, 1)});
    ASSERT_TRUE(inbox.WaitFor([&] { return !inbox.unreachable.empty(); }));
    EXPECT_EQ(inbox.unreachable[0], NodeId(9));
    EXPECT_EQ(a.transport.stats().messages_dropped, 1u);
}

TEST(PeerTransport, DeadPeerIsReportedUnreachable) {
    Inbox inbox_a;
    Node a(NodeId(1), inbox_a);
    Inbox inbox_b;
    std::string address;
    {
        Node b(NodeId(2), inbox_b);
        address = b.address();
    }  // b is gone; its port is closed
    a.transport.AddPeer(NodeId(2), address);
    a.transport.Send({Heartbeat(1, 2, 1)});
    ASSERT_TRUE(inbox_a.WaitFor([&] { return !inbox_a.unreachable.empty(); }));
    EXPECT_EQ(inbox_a.unreachable[0], NodeId(2));
}

TEST(PeerTransport, LargeSnapshotTravelsInVerifiedChunks) {
    Inbox inbox_a;
    Inbox inbox_b;
    Node a(NodeId(1), inbox_a, PeerTransportOptions{.snapshot_chunk_bytes = 64 * 1024});
    Node b(NodeId(2), inbox_b);
    a.transport.AddPeer(NodeId(2), b.address());
    raft::Message snap;
    snap.type = raft::MessageType::kSnapshot;
    snap.from = NodeId(1);
    snap.to = NodeId(2);
    snap.term = Term(3);
    snap.snapshot = raft::Snapshot{};
    snap.snapshot->meta.index = Index(100);
    snap.snapshot->meta.term = Term(2);
    snap.snapshot->meta.conf_state.voters = {NodeId(1), NodeId(2), NodeId(3)};
    snap.snapshot->data = std::string(1'000'003, 'x');
    for (size_t i = 0; i < snap.snapshot->data.size(); i += 4099) {
        snap.snapshot->data[i] = static_cast<char>(i);
    }
    // A heartbeat sent after the snapshot is not held up behind it.
    a.transport.Send({snap, Heartbeat(1, 2, 3)});
    ASSERT_TRUE(inbox_b.WaitFor([&] { return inbox_b.messages.size() == 2; }));
    ASSERT_TRUE(inbox_a.WaitFor([&] { return !inbox_a.snapshots.empty(); }));
    EXPECT_EQ(inbox_a.snapshots[0].second, SnapshotOutcome::kDelivered);
    const auto it = std::find_if(inbox_b.messages.begin(), inbox_b.messages.end(), [](auto& m) {
        return m.type == raft::MessageType::kSnapshot;
    });
    ASSERT_NE(it, inbox_b.messages.end());
    EXPECT_EQ(*it, snap);
}

TEST(PeerTransport, CorruptBatchIsDroppedAndTheStreamGoesOn) {
    Inbox inbox_b;
    Node b(NodeId(2), inbox_b);
    auto stub = RawStub(b);
    grpc::ClientContext ctx;
    pb::SendAck ack;
    auto writer = stub->Send(&ctx, &ack);
    pb::Envelope corrupt = EncodeEnvelope(kGroup, {Heartbeat(1, 2, 1)});
    (*corrupt.mutable_batch())[0] ^= 0x01;
    ASSERT_TRUE(writer->Write(corrupt));
    ASSERT_TRUE(writer->Write(EncodeEnvelope(kGroup, {Heartbeat(1, 2, 2)})));
    writer->WritesDone();
    EXPECT_TRUE(writer->Finish().ok());
    ASSERT_TRUE(inbox_b.WaitFor([&] { return inbox_b.messages.size() == 1; }));
    EXPECT_EQ(inbox_b.messages[0].term, Term(2));
    EXPECT_EQ(b.transport.stats().batches_rejected, 1u);
}

TEST(PeerTransport, BatchForAnotherGroupIsRefused) {
    Inbox inbox_b;
    Node b(NodeId(2), inbox_b);
    auto stub = RawStub(b);
    grpc::ClientContext ctx;
    pb::SendAck ack;
    auto writer = stub->Send(&ctx, &ack);
    const GroupAddress other{.cluster_id = 8, .shard = ShardId(1)};
    writer->Write(EncodeEnvelope(other, {Heartbeat(1, 2, 1)}));
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_EQ(status.error_message(), "batch for cluster 8 shard 1 reached cluster 7 shard 1");
    EXPECT_TRUE(inbox_b.messages.empty());
}

TEST(PeerTransport, SnapshotChunkWithBadChecksumIsDataLoss) {
    Inbox inbox_b;
    Node b(NodeId(2), inbox_b);
    auto stub = RawStub(b);
    grpc::ClientContext ctx;
    pb::SnapshotAck ack;
    auto writer = stub->SendSnapshot(&ctx, &ack);
    pb::SnapshotChunk chunk;
    chunk.set_cluster_id(kGroup.cluster_id);
    chunk.set_shard_id(kGroup.shard.value());
    chunk.mutable_header()->set_type(pb::MSG_SNAPSHOT);
    chunk.mutable_header()->mutable_snapshot()->mutable_meta()->set_index(5);
    chunk.set_data("payload");
    chunk.set_masked_crc32c(base::MaskCrc(base::Crc32c("other")));
    chunk.set_last(true);
    writer->Write(chunk);
    writer->WritesDone();
    EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::DATA_LOSS);
    EXPECT_TRUE(inbox_b.messages.empty());
}

}  // namespace
}  // namespace keel::transport
