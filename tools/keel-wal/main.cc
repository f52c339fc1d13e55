// keel-wal: inspect a WAL directory offline.
//
//   keel-wal dump DIR     prints every segment header and record, in log order
//   keel-wal verify DIR   checks every checksum and the recovery rules; exits 1 with the file
//                         and offset of the first corruption, 0 if the log is sound (a torn
//                         tail, which recovery truncates, is reported but is not corruption)
//
// Both only read: they never repair a torn tail (opening the WAL in keeld does).
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <absl/strings/str_format.h>

#include "storage/posix_file_system.h"
#include "storage/wal_format.h"
#include "storage/wal_reader.h"

namespace keel::storage {
namespace {

constexpr size_t kDataPreviewBytes = 24;

std::string Preview(std::string_view data) {
    std::string out;
    for (const char c : data.substr(0, kDataPreviewBytes)) {
        out.push_back(c >= 0x20 && c < 0x7f ? c : '.');
    }
    if (data.size() > kDataPreviewBytes) {
        out.append("...");
    }
    return out;
}

std::string Describe(RecordType type, std::string_view payload) {
    switch (type) {
        case RecordType::kEntry: {
            const absl::StatusOr<raft::Entry> entry = DecodeEntry(payload);
            if (!entry.ok()) {
                return std::string(entry.status().message());
            }
            return absl::StrFormat("index=%d term=%d type=%d bytes=%d data=\"%s\"",
                                   entry->index.value(),
                                   entry->term.value(),
                                   static_cast<int>(entry->type),
                                   entry->data.size(),
                                   Preview(entry->data));
        }
        case RecordType::kHardState: {
            const absl::StatusOr<raft::HardState> hs = DecodeHardState(payload);
            if (!hs.ok()) {
                return std::string(hs.status().message());
            }
            return absl::StrFormat("term=%d voted_for=%d commit=%d",
                                   hs->term.value(),
                                   hs->voted_for.value(),
                                   hs->commit.value());
        }
        case RecordType::kSnapshot: {
            const absl::StatusOr<raft::SnapshotMeta> meta = DecodeSnapshotMeta(payload);
            if (!meta.ok()) {
                return std::string(meta.status().message());
            }
            return absl::StrFormat("index=%d term=%d voters=%d learners=%d",
                                   meta->index.value(),
                                   meta->term.value(),
                                   meta->conf_state.voters.size(),
                                   meta->conf_state.learners.size());
        }
        case RecordType::kZero:
            break;
    }
    return "?";
}

void PrintTornTail(const WalScan& scan) {
    if (scan.torn_tail.has_value()) {
        std::printf(
            "torn tail: %s at offset %llu: %s (%llu nonzero bytes after; recovery "
            "truncates them)\n",
            scan.torn_tail->path.c_str(),
            static_cast<unsigned long long>(scan.torn_tail->offset),
            scan.torn_tail->problem.c_str(),
            static_cast<unsigned long long>(scan.torn_tail->bytes_after));
    }
}

int Dump(const std::string& dir) {
    PosixFileSystem fs;
    const SegmentFile* current = nullptr;
    const auto visitor = [&](const SegmentFile& segment,
                             uint64_t offset,
                             RecordType type,
                             std::string_view payload) {
        if (current != &segment) {
            current = &segment;
            std::printf("segment %s: sequence=%llu first_index=%llu size=%llu\n",
                        segment.path.c_str(),
                        static_cast<unsigned long long>(segment.header.sequence),
                        static_cast<unsigned long long>(segment.header.first_index.value()),
                        static_cast<unsigned long long>(segment.header.segment_bytes));
        }
        std::printf("  @%-10llu %-9s %s\n",
                    static_cast<unsigned long long>(offset),
                    RecordTypeName(type),
                    Describe(type, payload).c_str());
    };
    const absl::StatusOr<WalScan> scan = ScanWal(fs, dir, visitor);
    if (!scan.ok()) {
        std::fprintf(stderr, "keel-wal: %s\n", scan.status().ToString().c_str());
        return 1;
    }
    PrintTornTail(*scan);
    return 0;
}

int Verify(const std::string& dir) {
    PosixFileSystem fs;
    const absl::StatusOr<WalScan> scan = ScanWal(fs, dir);
    if (!scan.ok()) {
        std::fprintf(stderr, "keel-wal: corrupt: %s\n", scan.status().ToString().c_str());
        return 1;
    }
    const WalContents& contents = scan->contents;
    std::printf("ok: %zu segments, %llu records, ",
                scan->segments.size(),
                static_cast<unsigned long long>(scan->record_count));
    if (contents.entries.empty()) {
        std::printf("no entries");
    } else {
        std::printf("entries %llu..%llu",
                    static_cast<unsigned long long>(contents.entries.front().index.value()),
                    static_cast<unsigned long long>(contents.entries.back().index.value()));
    }
    std::printf(", hard state term=%llu commit=%llu",
                static_cast<unsigned long long>(contents.hard_state.term.value()),
                static_cast<unsigned long long>(contents.hard_state.commit.value()));
    if (contents.snapshot.has_value()) {
        std::printf(", snapshot at %llu",
                    static_cast<unsigned long long>(contents.snapshot->index.value()));
    }
    std::printf("\n");
    PrintTornTail(*scan);
    return 0;
}

}  // namespace
}  // namespace keel::storage

int main(int argc, char** argv) {
    CLI::App app("keel-wal: inspect and verify a keel WAL directory");
    app.require_subcommand(1);
    std::string dir;
    CLI::App* dump = app.add_subcommand("dump", "print every record");
    dump->add_option("DIR", dir, "the WAL directory")->required();
    CLI::App* verify = app.add_subcommand("verify", "check every checksum; exit 1 on corruption");
    verify->add_option("DIR", dir, "the WAL directory")->required();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        return app.exit(error);  // CLI11 reports usage errors by exception; keel does not throw
    }
    if (dump->parsed()) {
        return keel::storage::Dump(dir);
    }
    return keel::storage::Verify(dir);
}
