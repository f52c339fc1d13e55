#include "storage/wal_format.h"

#include <algorithm>
#include <cstring>

#include <absl/strings/str_cat.h>
#include <absl/strings/str_format.h>

#include "base/assert.h"
#include "base/crc32c.h"
#include "storage/coding.h"
#include "storage/limits.h"

namespace keel::storage {
namespace {

constexpr size_t kHardStateBytes = 24;  // term:u64 | voted_for:u64 | commit:u64
constexpr uint8_t kEntryTypeMax = 1;    // raft::EntryType::kConfChange

uint32_t RecordCrc(uint8_t type, std::string_view payload) {
    const char type_byte = static_cast<char>(type);
    return base::Crc32c(payload, base::Crc32c(std::string_view(&type_byte, 1)));
}

void PutIdList(std::string* out, const std::vector<NodeId>& ids) {
    PutFixed32(out, static_cast<uint32_t>(ids.size()));
    for (const NodeId id : ids) {
        PutFixed64(out, id.value());
    }
}

bool GetIdList(Decoder* decoder, std::vector<NodeId>* ids) {
    uint32_t count = 0;
    if (!decoder->GetFixed32(&count) || count > kConfMembersMax) {
        return false;
    }
    ids->reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
        uint64_t id = 0;
        if (!decoder->GetFixed64(&id)) {
            return false;
        }
        ids->push_back(NodeId(id));
    }
    return true;
}

}  // namespace

bool IsAllZero(std::string_view bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == 0; });
}

const char* RecordTypeName(RecordType type) {
    switch (type) {
        case RecordType::kZero:
            return "zero";
        case RecordType::kEntry:
            return "entry";
        case RecordType::kHardState:
            return "hardstate";
        case RecordType::kSnapshot:
            return "snapshot";
    }
    return "unknown";
}

std::string SegmentFileName(const SegmentHeader& header) {
    return absl::StrFormat("%016x-%016x.wal", header.sequence, header.first_index.value());
}

std::optional<SegmentHeader> ParseSegmentFileName(std::string_view name) {
    constexpr size_t kNameBytes = 16 + 1 + 16 + 4;
    if (name.size() != kNameBytes || name[16] != '-' || name.substr(33) != ".wal") {
        return std::nullopt;
    }
    auto parse_hex = [](std::string_view digits, uint64_t* value) {
        *value = 0;
        for (const char c : digits) {
            int digit = 0;
            if (c >= '0' && c <= '9') {
                digit = c - '0';
            } else if (c >= 'a' && c <= 'f') {
                digit = c - 'a' + 10;
            } else {
                return false;
            }
            *value = (*value << 4) | static_cast<uint64_t>(digit);
        }
        return true;
    };
    uint64_t sequence = 0;
    uint64_t first_index = 0;
    if (!parse_hex(name.substr(0, 16), &sequence)
        || !parse_hex(name.substr(17, 16), &first_index)) {
        return std::nullopt;
    }
    return SegmentHeader{.sequence = sequence, .first_index = Index(first_index)};
}

std::string EncodeSegmentHeader(const SegmentHeader& header) {
    std::string out(kSegmentMagic, sizeof(kSegmentMagic));
    PutFixed32(&out, kSegmentVersion);
    PutFixed32(&out, 0);  // reserved
    PutFixed64(&out, header.sequence);
    PutFixed64(&out, header.first_index.value());
    PutFixed64(&out, header.segment_bytes);
    KEEL_ASSERT(out.size() == kSegmentHeaderCoveredBytes);
    PutFixed32(&out, base::MaskCrc(base::Crc32c(out)));
    out.resize(kSegmentHeaderBytes, '\0');
    return out;
}

absl::StatusOr<SegmentHeader> DecodeSegmentHeader(std::string_view bytes) {
    if (bytes.size() < kSegmentHeaderBytes) {
        return absl::DataLossError(
            absl::StrCat("segment header is short: ", bytes.size(), " bytes"));
    }
    if (std::memcmp(bytes.data(), kSegmentMagic, sizeof(kSegmentMagic)) != 0) {
        return absl::DataLossError("bad segment magic");
    }
    const uint32_t stored_crc = base::UnmaskCrc(DecodeFixed32(bytes.data() + 40));
    if (stored_crc != base::Crc32c(bytes.substr(0, kSegmentHeaderCoveredBytes))) {
        return absl::DataLossError("segment header checksum mismatch");
    }
    // The padding after the checksum is not covered by it; it must read as written (zeros),
    // so that every byte of a sealed segment is checked (docs/storage-format.md).
    const std::string_view padding = bytes.substr(
        kSegmentHeaderCoveredBytes + 4, kSegmentHeaderBytes - kSegmentHeaderCoveredBytes - 4);
    if (padding.find_first_not_of('\0') != std::string_view::npos) {
        return absl::DataLossError("segment header padding is not zero");
    }
    Decoder decoder(bytes.substr(sizeof(kSegmentMagic), kSegmentHeaderCoveredBytes - 8));
    uint32_t version = 0;
    uint32_t reserved = 0;
    uint64_t first_index = 0;
    SegmentHeader header;
    decoder.GetFixed32(&version);
    decoder.GetFixed32(&reserved);
    decoder.GetFixed64(&header.sequence);
    decoder.GetFixed64(&first_index);
    decoder.GetFixed64(&header.segment_bytes);
    KEEL_ASSERT(decoder.ok());  // the length was checked above
    if (version != kSegmentVersion) {
        return absl::DataLossError(absl::StrCat("unsupported segment version ", version));
    }
    header.first_index = Index(first_index);
    return header;
}

void AppendRecord(RecordType type, std::string_view payload, std::string* out) {
    KEEL_ASSERT(type != RecordType::kZero);
    KEEL_ASSERT(payload.size() <= UINT32_MAX);
    const uint8_t type_byte = static_cast<uint8_t>(type);
    PutFixed32(out, static_cast<uint32_t>(payload.size()));
    PutFixed32(out, base::MaskCrc(RecordCrc(type_byte, payload)));
    PutFixed8(out, type_byte);
    out->append(payload);
}

Frame ParseFrame(std::string_view segment, uint64_t offset, uint64_t payload_bytes_max) {
    KEEL_ASSERT(offset <= segment.size());
    Frame frame;
    const std::string_view rest = segment.substr(offset);
    if (rest.size() < kFrameHeaderBytes) {
        frame.kind = IsAllZero(rest) ? Frame::Kind::kEnd : Frame::Kind::kBad;
        frame.problem = "truncated record header";
        return frame;
    }
    if (IsAllZero(rest.substr(0, kFrameHeaderBytes))) {
        frame.kind = Frame::Kind::kEnd;
        return frame;
    }
    frame.kind = Frame::Kind::kBad;
    const uint64_t length = DecodeFixed32(rest.data());
    const uint8_t type = static_cast<uint8_t>(rest[8]);
    if (type == 0 || type > kRecordTypeMax) {
        frame.problem = absl::StrCat("bad record type ", type);
        return frame;
    }
    if (length > payload_bytes_max || length > rest.size() - kFrameHeaderBytes) {
        frame.problem = absl::StrCat("record length ", length, " runs past the segment");
        return frame;
    }
    const std::string_view payload = rest.substr(kFrameHeaderBytes, length);
    if (base::UnmaskCrc(DecodeFixed32(rest.data() + 4)) != RecordCrc(type, payload)) {
        frame.problem = "record checksum mismatch";
        return frame;
    }
    frame.kind = Frame::Kind::kRecord;
    frame.type = static_cast<RecordType>(type);
    frame.payload = payload;
    frame.size = kFrameHeaderBytes + length;
    return frame;
}

std::optional<uint64_t> FindIntactRecord(std::string_view segment,
                                         uint64_t offset,
                                         uint64_t payload_bytes_max) {
    for (uint64_t at = offset + 1; at + kFrameHeaderBytes <= segment.size(); ++at) {
        const uint8_t type = static_cast<uint8_t>(segment[at + 8]);
        if (type == 0 || type > kRecordTypeMax) {
            continue;  // the cheap filter: most offsets fail here without a CRC
        }
        if (ParseFrame(segment, at, payload_bytes_max).kind == Frame::Kind::kRecord) {
            return at;
        }
    }
    return std::nullopt;
}

std::string EncodeEntry(const raft::Entry& entry) {
    std::string out;
    out.reserve(kEntryHeaderBytes + entry.data.size());
    PutFixed64(&out, entry.term.value());
    PutFixed64(&out, entry.index.value());
    PutFixed8(&out, static_cast<uint8_t>(entry.type));
    out.append(entry.data);
    return out;
}

absl::StatusOr<raft::Entry> DecodeEntry(std::string_view payload) {
    Decoder decoder(payload);
    uint64_t term = 0;
    uint64_t index = 0;
    uint8_t type = 0;
    if (!decoder.GetFixed64(&term) || !decoder.GetFixed64(&index) || !decoder.GetFixed8(&type)) {
        return absl::DataLossError("entry record is short");
    }
    if (type > kEntryTypeMax) {
        return absl::DataLossError(absl::StrCat("bad entry type ", type));
    }
    if (index == 0) {
        return absl::DataLossError("entry record with index 0");
    }
    return raft::Entry{.term = Term(term),
                       .index = Index(index),
                       .type = static_cast<raft::EntryType>(type),
                       .data = std::string(decoder.rest())};
}

std::string EncodeHardState(const raft::HardState& hard_state) {
    std::string out;
    PutFixed64(&out, hard_state.term.value());
    PutFixed64(&out, hard_state.voted_for.value());
    PutFixed64(&out, hard_state.commit.value());
    KEEL_ASSERT(out.size() == kHardStateBytes);
    return out;
}

absl::StatusOr<raft::HardState> DecodeHardState(std::string_view payload) {
    if (payload.size() != kHardStateBytes) {
        return absl::DataLossError(
            absl::StrCat("hard state record is ", payload.size(), " bytes, not ", kHardStateBytes));
    }
    return raft::HardState{.term = Term(DecodeFixed64(payload.data())),
                           .voted_for = NodeId(DecodeFixed64(payload.data() + 8)),
                           .commit = Index(DecodeFixed64(payload.data() + 16))};
}

std::string EncodeSnapshotMeta(const raft::SnapshotMeta& meta) {
    std::string out;
    PutFixed64(&out, meta.index.value());
    PutFixed64(&out, meta.term.value());
    PutFixed8(&out, meta.conf_state.auto_leave ? 1 : 0);
    PutIdList(&out, meta.conf_state.voters);
    PutIdList(&out, meta.conf_state.learners);
    PutIdList(&out, meta.conf_state.voters_outgoing);
    PutIdList(&out, meta.conf_state.learners_next);
    return out;
}

absl::StatusOr<raft::SnapshotMeta> DecodeSnapshotMeta(std::string_view payload) {
    Decoder decoder(payload);
    uint64_t index = 0;
    uint64_t term = 0;
    uint8_t auto_leave = 0;
    raft::SnapshotMeta meta;
    const bool ok = decoder.GetFixed64(&index) && decoder.GetFixed64(&term)
                    && decoder.GetFixed8(&auto_leave) && auto_leave <= 1
                    && GetIdList(&decoder, &meta.conf_state.voters)
                    && GetIdList(&decoder, &meta.conf_state.learners)
                    && GetIdList(&decoder, &meta.conf_state.voters_outgoing)
                    && GetIdList(&decoder, &meta.conf_state.learners_next);
    if (!ok || !decoder.rest().empty()) {
        return absl::DataLossError("malformed snapshot metadata");
    }
    meta.index = Index(index);
    meta.term = Term(term);
    meta.conf_state.auto_leave = auto_leave == 1;
    return meta;
}

}  // namespace keel::storage
