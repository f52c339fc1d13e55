#include "storage/wal_reader.h"

#include <algorithm>

#include <absl/strings/match.h>
#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/status.h"
#include "storage/log_state.h"

namespace keel::storage {
namespace {

absl::Status DataLossAt(const std::string& path, uint64_t offset, absl::string_view what) {
    return absl::DataLossError(absl::StrCat(path, " at offset ", offset, ": ", what));
}

// Rebuilds the log from records in write order, mirroring LogState with the payloads.
// Invariant: entries_[k].index == log_.first_index() + k, and entries_.size() is the log's
// length.
class Replayer {
public:
    // Replays from a first segment whose log starts at `first_index`; if that is not 1, the
    // segments before it were released and the start is open (log_state.h).
    explicit Replayer(Index first_index) : log_(first_index, LogState::Start::kOpen) {}

    absl::Status Apply(RecordType type, std::string_view payload) {
        switch (type) {
            case RecordType::kEntry: {
                KEEL_ASSIGN_OR_RETURN(raft::Entry entry, DecodeEntry(payload));
                KEEL_RETURN_IF_ERROR(log_.CheckAppend(entry.index, entry.term));
                log_.Append(entry.index, entry.term);
                entries_.resize(entry.index - log_.first_index());
                entries_.push_back(std::move(entry));
                return absl::OkStatus();
            }
            case RecordType::kHardState: {
                KEEL_ASSIGN_OR_RETURN(hard_state_, DecodeHardState(payload));
                return absl::OkStatus();
            }
            case RecordType::kSnapshot: {
                KEEL_ASSIGN_OR_RETURN(raft::SnapshotMeta meta, DecodeSnapshotMeta(payload));
                ApplySnapshot(meta);
                return absl::OkStatus();
            }
            case RecordType::kZero:
                break;
        }
        KEEL_UNREACHABLE();
    }

    // The checks that need the whole log: it continues the snapshot, and holds the commit.
    absl::Status Finish() const {
        const Index expected_first =
            log_.snapshot().has_value() ? log_.snapshot()->index.Next() : Index(1);
        if (log_.first_index() != expected_first) {
            return absl::DataLossError(absl::StrCat("the log starts at index ",
                                                    log_.first_index().value(),
                                                    " but the snapshot covers ",
                                                    "only up to ",
                                                    expected_first.Prev().value(),
                                                    ": segments are missing"));
        }
        if (hard_state_.commit > log_.last_index()) {
            return absl::DataLossError(absl::StrCat("the commit index ",
                                                    hard_state_.commit.value(),
                                                    " is beyond the durable log, which ends at ",
                                                    log_.last_index().value()));
        }
        return absl::OkStatus();
    }

    const LogState& log() const { return log_; }

    WalContents TakeContents() {
        return WalContents{
            .hard_state = hard_state_, .snapshot = log_.snapshot(), .entries = std::move(entries_)};
    }

private:
    void ApplySnapshot(const raft::SnapshotMeta& meta) {
        const Index old_first = log_.first_index();
        switch (log_.ApplySnapshot(meta)) {
            case LogState::SnapshotEffect::kStale:
            case LogState::SnapshotEffect::kBeforeLog:
                return;
            case LogState::SnapshotEffect::kKeptSuffix:
                entries_.erase(
                    entries_.begin(),
                    entries_.begin() + static_cast<ptrdiff_t>(log_.first_index() - old_first));
                return;
            case LogState::SnapshotEffect::kDiscardedLog:
                entries_.clear();
                return;
        }
    }

    LogState log_;
    std::vector<raft::Entry> entries_;
    raft::HardState hard_state_;
};

// Lists the segment files of `dir` in sequence order; notes leftover temporary files.
absl::StatusOr<std::vector<SegmentFile>> ListSegments(FileSystem& fs,
                                                      const std::string& dir,
                                                      std::vector<std::string>* temp_files) {
    std::vector<SegmentFile> segments;
    if (!fs.Exists(dir)) {
        return segments;
    }
    KEEL_ASSIGN_OR_RETURN(const std::vector<std::string> names, fs.ListDir(dir));
    for (const std::string& name : names) {
        if (absl::EndsWith(name, ".wal.tmp")) {
            temp_files->push_back(JoinPath(dir, name));
            continue;
        }
        const std::optional<SegmentHeader> header = ParseSegmentFileName(name);
        if (header.has_value()) {
            segments.push_back(SegmentFile{.header = *header, .path = JoinPath(dir, name)});
        }
    }
    std::sort(segments.begin(), segments.end(), [](const SegmentFile& a, const SegmentFile& b) {
        return a.header.sequence < b.header.sequence;
    });
    return segments;
}

// Checks a segment's header against its name and its place after `previous`.
absl::Status CheckHeader(SegmentFile& segment,
                         std::string_view bytes,
                         const SegmentFile* previous,
                         const LogState* log) {
    absl::StatusOr<SegmentHeader> header = DecodeSegmentHeader(bytes);
    if (!header.ok()) {
        return DataLossAt(segment.path, 0, header.status().message());
    }
    if (header->sequence != segment.header.sequence
        || header->first_index != segment.header.first_index) {
        return DataLossAt(segment.path, 0, "the header does not match the file name");
    }
    if (header->first_index.is_none()) {
        return DataLossAt(segment.path, 0, "the header's first index is 0");
    }
    segment.header = *header;
    if (previous == nullptr) {
        return absl::OkStatus();
    }
    if (header->sequence != previous->header.sequence + 1) {
        return DataLossAt(segment.path,
                          0,
                          absl::StrCat("segment ",
                                       previous->header.sequence + 1,
                                       " is missing between ",
                                       previous->path,
                                       " and this one"));
    }
    if (header->first_index != log->last_index().Next()) {
        return DataLossAt(segment.path,
                          0,
                          absl::StrCat("the segment starts at index ",
                                       header->first_index.value(),
                                       " but the log before it ends at ",
                                       log->last_index().value(),
                                       ": records are missing"));
    }
    return absl::OkStatus();
}

// Decides what the first undecodable frame at `offset` of the last segment means.
absl::Status ClassifyTail(const SegmentFile& segment,
                          std::string_view bytes,
                          uint64_t offset,
                          const Frame& frame,
                          WalScan* scan) {
    const std::optional<uint64_t> intact =
        FindIntactRecord(bytes, offset, base::kWalRecordBytesMax);
    if (intact.has_value()) {
        return DataLossAt(segment.path,
                          offset,
                          absl::StrCat(frame.problem.empty() ? "zeros" : frame.problem,
                                       ", but a valid record follows at offset ",
                                       *intact));
    }
    const std::string_view after = bytes.substr(offset);
    const uint64_t nonzero = static_cast<uint64_t>(
        std::count_if(after.begin(), after.end(), [](char c) { return c != 0; }));
    if (nonzero > 0) {
        scan->torn_tail =
            TornTail{.path = segment.path,
                     .offset = offset,
                     .bytes_after = nonzero,
                     .problem = frame.problem.empty() ? "garbage after zeros" : frame.problem};
    }
    return absl::OkStatus();
}

absl::Status ScanRecords(const SegmentFile& segment,
                         std::string_view bytes,
                         bool is_last,
                         Replayer& replayer,
                         const RecordVisitor& visitor,
                         WalScan* scan) {
    uint64_t offset = kSegmentHeaderBytes;
    while (true) {
        const Frame frame = ParseFrame(bytes, offset, base::kWalRecordBytesMax);
        if (frame.kind == Frame::Kind::kRecord) {
            if (visitor) {
                visitor(segment, offset, frame.type, frame.payload);
            }
            const absl::Status applied = replayer.Apply(frame.type, frame.payload);
            if (!applied.ok()) {
                return DataLossAt(segment.path, offset, applied.message());
            }
            ++scan->record_count;
            offset += frame.size;
            continue;
        }
        if (is_last) {
            scan->last_segment_end = offset;
            return ClassifyTail(segment, bytes, offset, frame, scan);
        }
        if (frame.kind == Frame::Kind::kBad) {
            return DataLossAt(segment.path, offset, frame.problem);
        }
        if (!IsAllZero(bytes.substr(offset))) {
            return DataLossAt(
                segment.path, offset, "nonzero bytes after the end of a sealed segment");
        }
        return absl::OkStatus();
    }
}

}  // namespace

absl::StatusOr<WalScan> ScanWal(FileSystem& fs,
                                const std::string& dir,
                                const RecordVisitor& visitor) {
    WalScan scan;
    KEEL_ASSIGN_OR_RETURN(scan.segments, ListSegments(fs, dir, &scan.temp_files));
    if (scan.segments.empty()) {
        return scan;
    }
    Replayer replayer(scan.segments.front().header.first_index.is_none()
                          ? Index(1)
                          : scan.segments.front().header.first_index);
    for (size_t i = 0; i < scan.segments.size(); ++i) {
        SegmentFile& segment = scan.segments[i];
        KEEL_ASSIGN_OR_RETURN(const std::string bytes, ReadWholeFile(fs, segment.path));
        const SegmentFile* previous = i == 0 ? nullptr : &scan.segments[i - 1];
        KEEL_RETURN_IF_ERROR(CheckHeader(segment, bytes, previous, &replayer.log()));
        const bool is_last = i + 1 == scan.segments.size();
        KEEL_RETURN_IF_ERROR(ScanRecords(segment, bytes, is_last, replayer, visitor, &scan));
    }
    const absl::Status finished = replayer.Finish();
    if (!finished.ok()) {
        return absl::DataLossError(absl::StrCat(dir, ": ", finished.message()));
    }
    scan.contents = replayer.TakeContents();
    return scan;
}

}  // namespace keel::storage
