#include "storage/wal.h"

#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "base/limits.h"
#include "base/status.h"

namespace keel::storage {
namespace {

// The largest record a Wal with `segment_bytes` segments accepts.
uint64_t RecordBytesMax(uint64_t segment_bytes) {
    return std::min<uint64_t>(base::kWalRecordBytesMax + kFrameHeaderBytes,
                              (segment_bytes - kSegmentHeaderBytes) / 2);
}

absl::Status ValidateOptions(const WalOptions& options) {
    if (options.segment_bytes < kSegmentBytesMin || options.segment_bytes > kSegmentBytesMax) {
        return absl::InvalidArgumentError(absl::StrCat("segment_bytes ",
                                                       options.segment_bytes,
                                                       " is outside [",
                                                       kSegmentBytesMin,
                                                       ", ",
                                                       kSegmentBytesMax,
                                                       "]"));
    }
    return absl::OkStatus();
}

// The log state the writer continues from, rebuilt from what recovery found.
LogState RebuildLogState(const WalContents& contents) {
    LogState log(Index(1));
    if (contents.snapshot.has_value()) {
        log.ApplySnapshot(*contents.snapshot);
    }
    for (const raft::Entry& entry : contents.entries) {
        log.Append(entry.index, entry.term);
    }
    return log;
}

}  // namespace

Wal::Wal(FileSystem& fs, std::string dir, const WalOptions& options, LogState log)
    : fs_(fs),
      dir_(std::move(dir)),
      options_(options),
      log_(std::move(log)),
      written_next_index_(log_.last_index().Next()),
      synced_last_index_(log_.last_index()) {
    if (log_.snapshot().has_value()) {
        synced_snapshot_index_ = log_.snapshot()->index;
        written_snapshot_ = EncodeSnapshotMeta(*log_.snapshot());
    }
}

Wal::~Wal() = default;

absl::StatusOr<WalOpened> Wal::Open(FileSystem& fs,
                                    const std::string& dir,
                                    const WalOptions& options) {
    KEEL_RETURN_IF_ERROR(ValidateOptions(options));
    KEEL_RETURN_IF_ERROR(fs.CreateDir(dir));
    KEEL_ASSIGN_OR_RETURN(WalScan scan, ScanWal(fs, dir));
    WalOpened opened;
    for (const std::string& temp : scan.temp_files) {
        KEEL_RETURN_IF_ERROR(fs.Remove(temp));  // a segment whose creation never finished
        ++opened.removed_temp_files;
    }
    if (opened.removed_temp_files > 0) {
        KEEL_RETURN_IF_ERROR(fs.SyncDir(dir));
    }
    std::unique_ptr<Wal> wal(new Wal(fs, dir, options, RebuildLogState(scan.contents)));
    wal->hard_state_ = scan.contents.hard_state;
    if (wal->hard_state_ != raft::HardState{}) {
        wal->written_hard_state_ = EncodeHardState(wal->hard_state_);
    }
    if (scan.segments.empty()) {
        const SegmentHeader first{
            .sequence = 1, .first_index = Index(1), .segment_bytes = options.segment_bytes};
        KEEL_ASSIGN_OR_RETURN(wal->active_, wal->CreateSegment(first, ""));
        wal->segments_.push_back(SegmentFile{first, JoinPath(dir, SegmentFileName(first))});
        wal->active_segment_bytes_ = first.segment_bytes;
        wal->write_offset_ = kSegmentHeaderBytes;
    } else {
        KEEL_RETURN_IF_ERROR(RepairTail(fs, scan, &wal->active_));
        wal->segments_ = scan.segments;
        wal->active_segment_bytes_ = scan.segments.back().header.segment_bytes;
        wal->write_offset_ = scan.last_segment_end;
    }
    opened.repaired_tail = scan.torn_tail;
    opened.contents = std::move(scan.contents);
    opened.wal = std::move(wal);
    opened.wal->CheckInvariants();
    return opened;
}

// Opens the last segment for writing and, if its tail is torn, cuts it back to the last whole
// record and restores the zeroed preallocation, durably.
absl::Status Wal::RepairTail(FileSystem& fs, const WalScan& scan, std::unique_ptr<File>* active) {
    const SegmentFile& last = scan.segments.back();
    KEEL_ASSIGN_OR_RETURN(*active, fs.Open(last.path, OpenMode::kReadWrite));
    if (scan.torn_tail.has_value()) {
        KEEL_ASSERT(scan.torn_tail->path == last.path);
        KEEL_RETURN_IF_ERROR((*active)->Truncate(scan.last_segment_end));
        KEEL_RETURN_IF_ERROR((*active)->Preallocate(last.header.segment_bytes));
        KEEL_RETURN_IF_ERROR((*active)->Sync());
    }
    return absl::OkStatus();
}

absl::Status Wal::CheckUsable() const {
    if (!failure_.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("the WAL failed earlier and must be reopened: ", failure_.message()));
    }
    return absl::OkStatus();
}

absl::Status Wal::Fail(absl::Status status) {
    KEEL_ASSERT(!status.ok());
    if (failure_.ok()) {
        failure_ = status;
    }
    return status;
}

void Wal::Buffer(RecordType type, std::string_view payload) {
    const size_t begin = pending_bytes_.size();
    AppendRecord(type, payload, &pending_bytes_);
    pending_.push_back(PendingRecord{.type = type,
                                     .begin = begin,
                                     .end = pending_bytes_.size(),
                                     .next_index_after = log_.last_index().Next()});
}

absl::Status Wal::Append(std::span<const raft::Entry> entries) {
    KEEL_RETURN_IF_ERROR(CheckUsable());
    const Index snapshot_index =
        log_.snapshot().has_value() ? log_.snapshot()->index : Index::None();
    while (!entries.empty() && entries.front().index <= snapshot_index) {
        entries = entries.subspan(1);
    }
    if (entries.empty()) {
        return absl::OkStatus();
    }
    const uint64_t record_bytes_max =
        RecordBytesMax(std::min(active_segment_bytes_, options_.segment_bytes));
    for (size_t i = 0; i < entries.size(); ++i) {
        const raft::Entry& entry = entries[i];
        if (i > 0 && entry.index != entries[i - 1].index.Next()) {
            return absl::InvalidArgumentError(
                absl::StrCat("entries are not contiguous at index ", entry.index.value()));
        }
        if (i > 0 && entry.term < entries[i - 1].term) {
            return absl::FailedPreconditionError(absl::StrCat(
                "entry ", entry.index.value(), " has a lower term than its predecessor"));
        }
        if (kFrameHeaderBytes + kEntryHeaderBytes + entry.data.size() > record_bytes_max) {
            return absl::InvalidArgumentError(absl::StrCat("entry ",
                                                           entry.index.value(),
                                                           " has ",
                                                           entry.data.size(),
                                                           " bytes; at most ",
                                                           record_bytes_max,
                                                           " fit a record"));
        }
    }
    KEEL_RETURN_IF_ERROR(log_.CheckAppend(entries.front().index, entries.front().term));
    for (const raft::Entry& entry : entries) {
        log_.Append(entry.index, entry.term);
        Buffer(RecordType::kEntry, EncodeEntry(entry));
    }
    return absl::OkStatus();
}

absl::Status Wal::SaveHardState(const raft::HardState& hard_state) {
    KEEL_RETURN_IF_ERROR(CheckUsable());
    if (hard_state == hard_state_) {
        return absl::OkStatus();
    }
    hard_state_ = hard_state;
    Buffer(RecordType::kHardState, EncodeHardState(hard_state));
    return absl::OkStatus();
}

absl::Status Wal::SaveSnapshot(const raft::SnapshotMeta& meta) {
    KEEL_RETURN_IF_ERROR(CheckUsable());
    if (meta.index.is_none()) {
        return absl::InvalidArgumentError("a snapshot marker at index 0");
    }
    if (log_.ApplySnapshot(meta) == LogState::SnapshotEffect::kStale) {
        return absl::OkStatus();
    }
    Buffer(RecordType::kSnapshot, EncodeSnapshotMeta(meta));
    return absl::OkStatus();
}

absl::Status Wal::Sync() {
    KEEL_RETURN_IF_ERROR(CheckUsable());
    KEEL_RETURN_IF_ERROR(WritePending());
    const absl::Status synced = active_->Sync();
    if (!synced.ok()) {
        return Fail(synced);
    }
    synced_last_index_ = log_.last_index();
    synced_snapshot_index_ = log_.snapshot().has_value() ? log_.snapshot()->index : Index::None();
    ++sync_count_;
    if constexpr (kKeelDassertEnabled) {
        CheckInvariants();
    }
    return absl::OkStatus();
}

// Writes the pending records, rotating segments as they fill up. On return (OK or not) the
// records written are gone from the buffer and the rest remain, in order.
absl::Status Wal::WritePending() {
    size_t written = 0;
    absl::Status status;
    bool rotated = false;  // a fresh segment always holds the next record
    while (written < pending_.size() && status.ok()) {
        const uint64_t room = active_segment_bytes_ - write_offset_;
        size_t count = 0;
        uint64_t bytes = 0;
        while (written + count < pending_.size()) {
            const PendingRecord& record = pending_[written + count];
            if (bytes + (record.end - record.begin) > room) {
                break;
            }
            bytes += record.end - record.begin;
            ++count;
        }
        if (count == 0) {
            KEEL_ASSERT_MSG(!rotated,
                            "a %d-byte record does not fit a new segment",
                            pending_[written].end - pending_[written].begin);
            status = Rotate();
            rotated = true;
            continue;
        }
        rotated = false;
        status = WriteRecords(written, count);
        if (status.ok()) {
            written += count;
        }
    }
    if (written == pending_.size()) {
        pending_.clear();
        pending_bytes_.clear();
        return status;
    }
    const size_t consumed = pending_[written].begin;
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(written));
    for (PendingRecord& record : pending_) {
        record.begin -= consumed;
        record.end -= consumed;
    }
    pending_bytes_.erase(0, consumed);
    return status;
}

absl::Status Wal::WriteRecords(size_t first, size_t count) {
    const size_t begin = pending_[first].begin;
    const size_t end = pending_[first + count - 1].end;
    const absl::Status status = active_->WriteAt(
        write_offset_, std::string_view(pending_bytes_).substr(begin, end - begin));
    if (!status.ok()) {
        return Fail(status);  // any prefix may have reached the file
    }
    write_offset_ += end - begin;
    KEEL_ASSERT(write_offset_ <= active_segment_bytes_);
    for (size_t i = first; i < first + count; ++i) {
        const PendingRecord& record = pending_[i];
        written_next_index_ = record.next_index_after;
        const std::string_view payload = std::string_view(pending_bytes_)
                                             .substr(record.begin + kFrameHeaderBytes,
                                                     record.end - record.begin - kFrameHeaderBytes);
        if (record.type == RecordType::kHardState) {
            written_hard_state_ = std::string(payload);
        } else if (record.type == RecordType::kSnapshot) {
            written_snapshot_ = std::string(payload);
        }
    }
    return absl::OkStatus();
}

std::string Wal::HeadRecords() const {
    std::string head;
    if (written_hard_state_.has_value()) {
        AppendRecord(RecordType::kHardState, *written_hard_state_, &head);
    }
    if (written_snapshot_.has_value()) {
        AppendRecord(RecordType::kSnapshot, *written_snapshot_, &head);
    }
    return head;
}

// Seals the active segment (fdatasync) and continues in a new one.
absl::Status Wal::Rotate() {
    const absl::Status sealed = active_->Sync();
    if (!sealed.ok()) {
        return Fail(sealed);
    }
    const SegmentHeader header{.sequence = segments_.back().header.sequence + 1,
                               .first_index = written_next_index_,
                               .segment_bytes = options_.segment_bytes};
    const std::string head = HeadRecords();
    // The head records and then the largest record (RecordBytesMax) must fit a new segment.
    KEEL_ASSERT_MSG(head.size() <= RecordBytesMax(header.segment_bytes),
                    "the hard state and snapshot marker take %d bytes",
                    head.size());
    absl::StatusOr<std::unique_ptr<File>> file = CreateSegment(header, head);
    if (!file.ok()) {
        if (absl::IsResourceExhausted(file.status())) {
            return file.status();  // nothing was written: the Wal stays usable
        }
        return Fail(file.status());
    }
    active_ = *std::move(file);
    active_segment_bytes_ = header.segment_bytes;
    write_offset_ = kSegmentHeaderBytes + head.size();
    segments_.push_back(SegmentFile{header, JoinPath(dir_, SegmentFileName(header))});
    return absl::OkStatus();
}

// Creates a segment under a temporary name, preallocates it, writes its header and head
// records, syncs it and renames it into place, so that a segment file under its final name
// always has a whole header.
absl::StatusOr<std::unique_ptr<File>> Wal::CreateSegment(const SegmentHeader& header,
                                                         std::string_view head_records) {
    const std::string path = JoinPath(dir_, SegmentFileName(header));
    const std::string temp = absl::StrCat(path, ".tmp");
    if (fs_.Exists(temp)) {
        KEEL_RETURN_IF_ERROR(fs_.Remove(temp));
    }
    KEEL_ASSIGN_OR_RETURN(std::unique_ptr<File> file, fs_.Open(temp, OpenMode::kCreateNew));
    const absl::Status preallocated = file->Preallocate(header.segment_bytes);
    if (!preallocated.ok()) {
        file.reset();
        fs_.Remove(temp).IgnoreError();  // best effort: Open removes leftovers anyway
        return preallocated;
    }
    std::string prefix = EncodeSegmentHeader(header);
    prefix.append(head_records);
    KEEL_RETURN_IF_ERROR(file->WriteAt(0, prefix));
    KEEL_RETURN_IF_ERROR(file->Sync());
    KEEL_RETURN_IF_ERROR(fs_.Rename(temp, path));
    KEEL_RETURN_IF_ERROR(fs_.SyncDir(dir_));
    return file;
}

absl::Status Wal::ReleaseTo(Index index) {
    KEEL_RETURN_IF_ERROR(CheckUsable());
    const Index limit = std::min(index, synced_snapshot_index_);
    // Remove one segment at a time, oldest first, each removal durable before the next, so
    // that a crash leaves a sequence-contiguous suffix of segments whatever the file system
    // reorders.
    while (segments_.size() > 1 && segments_[1].header.first_index.Prev() <= limit) {
        KEEL_RETURN_IF_ERROR(fs_.Remove(segments_.front().path));
        KEEL_RETURN_IF_ERROR(fs_.SyncDir(dir_));
        segments_.erase(segments_.begin());
    }
    return absl::OkStatus();
}

void Wal::CheckInvariants() const {
    log_.CheckInvariants();
    KEEL_ASSERT(!segments_.empty());
    KEEL_ASSERT(active_ != nullptr);
    KEEL_ASSERT(write_offset_ <= active_segment_bytes_);
    KEEL_ASSERT(write_offset_ >= kSegmentHeaderBytes);
    for (size_t i = 1; i < segments_.size(); ++i) {
        KEEL_ASSERT(segments_[i].header.sequence == segments_[i - 1].header.sequence + 1);
    }
    size_t expected_begin = 0;
    for (const PendingRecord& record : pending_) {
        KEEL_ASSERT(record.begin == expected_begin);
        KEEL_ASSERT(record.end > record.begin);
        expected_begin = record.end;
    }
    KEEL_ASSERT(expected_begin == pending_bytes_.size());
}

}  // namespace keel::storage
