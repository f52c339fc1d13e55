// Datadriven WAL scenarios (testdata/*.txt): write, crash, corrupt and recover a WAL on the
// simulated disk, and compare what recovery reports with the expected trace. Rewrite the
// expected outputs with KEEL_REWRITE=1 (then review the diff).
//
// Commands:
//   open [segment_bytes=N]                 open (recover) the WAL; prints what recovery found
//   append first=N last=M term=T [bytes=B] buffer entries
//   hardstate term=T vote=V commit=C       buffer a hard state record
//   snapshot index=N term=T                buffer a snapshot marker
//   sync                                   write and fdatasync
//   release index=N                        remove segments the durable snapshot covers
//   crash [mode=drop|tear]                 power loss on the simulated disk
//   flip segment=S offset=O bit=B          flip a stored bit in segment number S
//   zero segment=S offset=O bytes=N        zero stored bytes in segment number S
//   remove segment=S                       delete segment number S (durably)
//   ls                                     the WAL's files and sizes
//   dump                                   every record, as `keel-wal dump` prints them
#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>
#include <gtest/gtest.h>

#include "sim/sim_file_system.h"
#include "storage/wal.h"
#include "storage_test_util.h"
#include "testutil/datadriven.h"

namespace keel::storage {
namespace {

constexpr char kDir[] = "/wal";

uint64_t GetNumber(const testutil::TestCase& test, std::string_view key, uint64_t fallback) {
    const std::string value = test.Get(key, std::to_string(fallback));
    return std::stoull(value);
}

std::string DescribeContents(const WalContents& contents) {
    std::string out;
    if (contents.entries.empty()) {
        absl::StrAppend(&out, "entries: none\n");
    } else {
        absl::StrAppendFormat(&out,
                              "entries: %d..%d",
                              contents.entries.front().index.value(),
                              contents.entries.back().index.value());
        Term term;
        for (const raft::Entry& entry : contents.entries) {
            if (entry.term != term) {
                term = entry.term;
                absl::StrAppendFormat(&out, " t%d@%d", term.value(), entry.index.value());
            }
        }
        absl::StrAppend(&out, "\n");
    }
    absl::StrAppendFormat(&out,
                          "hard state: term=%d vote=%d commit=%d\n",
                          contents.hard_state.term.value(),
                          contents.hard_state.voted_for.value(),
                          contents.hard_state.commit.value());
    if (contents.snapshot.has_value()) {
        absl::StrAppendFormat(&out,
                              "snapshot: index=%d term=%d\n",
                              contents.snapshot->index.value(),
                              contents.snapshot->term.value());
    }
    return out;
}

std::string Describe(RecordType type, std::string_view payload) {
    switch (type) {
        case RecordType::kEntry: {
            const raft::Entry entry = *DecodeEntry(payload);
            return absl::StrFormat("entry index=%d term=%d bytes=%d",
                                   entry.index.value(),
                                   entry.term.value(),
                                   entry.data.size());
        }
        case RecordType::kHardState: {
            const raft::HardState hs = *DecodeHardState(payload);
            return absl::StrFormat("hardstate term=%d vote=%d commit=%d",
                                   hs.term.value(),
                                   hs.voted_for.value(),
                                   hs.commit.value());
        }
        case RecordType::kSnapshot: {
            const raft::SnapshotMeta meta = *DecodeSnapshotMeta(payload);
            return absl::StrFormat(
                "snapshot index=%d term=%d", meta.index.value(), meta.term.value());
        }
        case RecordType::kZero:
            break;
    }
    return "?";
}

class Scenario {
public:
    std::string Run(const testutil::TestCase& test) {
        if (test.command == "open") {
            return Open(test);
        }
        if (test.command == "crash") {
            wal_.reset();
            const bool tear = test.Get("mode", "drop") == "tear";
            fs_.Crash(tear ? sim::CrashMode::kTear : sim::CrashMode::kDropUnsynced);
            return "ok\n";
        }
        if (test.command == "ls") {
            return List();
        }
        if (test.command == "dump") {
            return Dump();
        }
        if (test.command == "flip" || test.command == "zero" || test.command == "remove") {
            return Damage(test);
        }
        if (wal_ == nullptr) {
            return "error: the WAL is not open\n";
        }
        return Write(test);
    }

private:
    std::string Open(const testutil::TestCase& test) {
        wal_.reset();
        segment_bytes_ = GetNumber(test, "segment_bytes", segment_bytes_);
        auto opened = Wal::Open(fs_, kDir, {.segment_bytes = segment_bytes_});
        if (!opened.ok()) {
            return absl::StrCat("error: ", opened.status().ToString(), "\n");
        }
        wal_ = std::move(opened->wal);
        std::string out = DescribeContents(opened->contents);
        if (opened->repaired_tail.has_value()) {
            absl::StrAppendFormat(&out,
                                  "repaired torn tail: %s at offset %d: %s\n",
                                  opened->repaired_tail->path,
                                  opened->repaired_tail->offset,
                                  opened->repaired_tail->problem);
        }
        return out;
    }

    std::string Write(const testutil::TestCase& test) {
        absl::Status status;
        if (test.command == "append") {
            const uint64_t first = GetNumber(test, "first", 1);
            status = wal_->Append(testing::MakeEntries(first,
                                                       GetNumber(test, "last", first),
                                                       GetNumber(test, "term", 1),
                                                       GetNumber(test, "bytes", 100)));
        } else if (test.command == "hardstate") {
            status = wal_->SaveHardState({.term = Term(GetNumber(test, "term", 0)),
                                          .voted_for = NodeId(GetNumber(test, "vote", 0)),
                                          .commit = Index(GetNumber(test, "commit", 0))});
        } else if (test.command == "snapshot") {
            status = wal_->SaveSnapshot({.index = Index(GetNumber(test, "index", 0)),
                                         .term = Term(GetNumber(test, "term", 0))});
        } else if (test.command == "sync") {
            status = wal_->Sync();
        } else if (test.command == "release") {
            status = wal_->ReleaseTo(Index(GetNumber(test, "index", 0)));
        } else {
            return absl::StrCat("error: unknown command ", test.command, "\n");
        }
        if (!status.ok()) {
            return absl::StrCat("error: ", status.ToString(), "\n");
        }
        return absl::StrFormat("ok last=%d synced=%d segments=%d\n",
                               wal_->last_index().value(),
                               wal_->synced_last_index().value(),
                               wal_->segment_count());
    }

    // The path of the segment with sequence number `sequence`.
    std::string SegmentPath(uint64_t sequence) {
        const absl::StatusOr<std::vector<std::string>> names = fs_.ListDir(kDir);
        for (const std::string& name : names.value()) {
            const std::optional<SegmentHeader> header = ParseSegmentFileName(name);
            if (header.has_value() && header->sequence == sequence) {
                return JoinPath(kDir, name);
            }
        }
        return "";
    }

    std::string Damage(const testutil::TestCase& test) {
        const std::string path = SegmentPath(GetNumber(test, "segment", 1));
        const uint64_t offset = GetNumber(test, "offset", 0);
        absl::Status status;
        if (test.command == "flip") {
            status = fs_.FlipBit(path, offset, static_cast<int>(GetNumber(test, "bit", 0)));
        } else if (test.command == "zero") {
            status = fs_.ZeroRange(path, offset, GetNumber(test, "bytes", 1));
        } else {
            status = fs_.Remove(path);
            if (status.ok()) {
                status = fs_.SyncDir(kDir);
            }
        }
        return status.ok() ? "ok\n" : absl::StrCat("error: ", status.ToString(), "\n");
    }

    std::string List() {
        std::string out;
        const absl::StatusOr<std::vector<std::string>> names = fs_.ListDir(kDir);
        for (const std::string& name : names.value()) {
            absl::StrAppendFormat(&out, "%s %d\n", name, *fs_.FileSize(JoinPath(kDir, name)));
        }
        return out;
    }

    std::string Dump() {
        std::string out;
        const auto visitor = [&](const SegmentFile& segment,
                                 uint64_t offset,
                                 RecordType type,
                                 std::string_view payload) {
            absl::StrAppendFormat(
                &out, "%d@%d %s\n", segment.header.sequence, offset, Describe(type, payload));
        };
        const absl::StatusOr<WalScan> scan = ScanWal(fs_, kDir, visitor);
        if (!scan.ok()) {
            absl::StrAppend(&out, "error: ", scan.status().ToString(), "\n");
        }
        return out;
    }

    sim::SimFileSystem fs_{1};
    std::unique_ptr<Wal> wal_;
    uint64_t segment_bytes_ = 4096;
};

TEST(WalDatadriven, Scenarios) {
    const std::vector<std::string> files = testutil::ListTestFiles("testdata");
    ASSERT_FALSE(files.empty());
    for (const std::string& file : files) {
        SCOPED_TRACE(file);
        Scenario scenario;
        EXPECT_TRUE(testutil::RunFile(
            file, [&](const testutil::TestCase& test) { return scenario.Run(test); }));
    }
}

}  // namespace
}  // namespace keel::storage
