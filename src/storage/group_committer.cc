#include "storage/group_committer.h"

#include <absl/strings/str_cat.h>

#include "base/assert.h"
#include "base/status.h"

namespace keel::storage {

GroupCommitter::GroupCommitter(std::unique_ptr<Wal> wal, GroupCommitterOptions options)
    : options_(std::move(options)),
      wal_(std::move(wal)),
      submitted_last_index_(wal_->last_index()),
      durable_index_(wal_->synced_last_index()) {
    KEEL_ASSERT(options_.batch_max > 0);
    KEEL_ASSERT(options_.queue_max >= options_.batch_max);
    sync_thread_ = std::thread([this] { SyncLoop(); });
}

GroupCommitter::~GroupCommitter() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    work_.notify_one();
    sync_thread_.join();
}

absl::StatusOr<GroupCommitter::Submitted> GroupCommitter::Enqueue(std::vector<Record> records,
                                                                  Index first_index,
                                                                  Index last_index) {
    std::unique_lock lock(mu_);
    if (!first_index.is_none() && first_index > submitted_last_index_.Next()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "entry ", first_index.value(), " leaves a gap after ", submitted_last_index_.value()));
    }
    // A batch larger than the queue is let in alone, so that it cannot wait forever.
    not_full_.wait(lock, [&] {
        return !failure_.ok() || queue_.empty()
               || queue_.size() + records.size() <= options_.queue_max;
    });
    if (!failure_.ok()) {
        return failure_;
    }
    for (Record& record : records) {
        queue_.push_back(std::move(record));
    }
    submitted_ticket_ += records.size();
    if (!last_index.is_none()) {
        submitted_last_index_ = last_index;
    }
    const Submitted submitted{.ticket = submitted_ticket_, .last_index = submitted_last_index_};
    lock.unlock();
    work_.notify_one();
    return submitted;
}

absl::StatusOr<GroupCommitter::Submitted> GroupCommitter::Append(std::vector<raft::Entry> entries) {
    if (entries.empty()) {
        return absl::InvalidArgumentError("no entries");
    }
    for (size_t i = 1; i < entries.size(); ++i) {
        if (entries[i].index != entries[i - 1].index.Next()) {
            return absl::InvalidArgumentError("entries are not contiguous");
        }
    }
    const Index first = entries.front().index;
    const Index last = entries.back().index;
    std::vector<Record> records(std::make_move_iterator(entries.begin()),
                                std::make_move_iterator(entries.end()));
    return Enqueue(std::move(records), first, last);
}

absl::StatusOr<GroupCommitter::Submitted> GroupCommitter::Propose(Term term, std::string data) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return !failure_.ok() || queue_.size() < options_.queue_max; });
    if (!failure_.ok()) {
        return failure_;
    }
    submitted_last_index_ = submitted_last_index_.Next();
    queue_.push_back(
        raft::Entry{.term = term, .index = submitted_last_index_, .data = std::move(data)});
    ++submitted_ticket_;
    const Submitted submitted{.ticket = submitted_ticket_, .last_index = submitted_last_index_};
    lock.unlock();
    work_.notify_one();
    return submitted;
}

absl::StatusOr<GroupCommitter::Submitted> GroupCommitter::SaveHardState(
    const raft::HardState& hard_state) {
    std::vector<Record> records;
    records.emplace_back(hard_state);
    return Enqueue(std::move(records), Index::None(), Index::None());
}

absl::Status GroupCommitter::WaitDurable(uint64_t ticket) {
    std::unique_lock lock(mu_);
    KEEL_ASSERT_MSG(ticket <= submitted_ticket_, "ticket %d was never issued", ticket);
    durable_.wait(lock, [&] { return !failure_.ok() || durable_ticket_ >= ticket; });
    if (durable_ticket_ >= ticket) {
        return absl::OkStatus();
    }
    return failure_;
}

Index GroupCommitter::durable_index() const {
    std::lock_guard lock(mu_);
    return durable_index_;
}

GroupCommitStats GroupCommitter::stats() const {
    std::lock_guard lock(mu_);
    return stats_;
}

// Hands runs of consecutive entries to the Wal as one Append each.
absl::Status GroupCommitter::WriteBatch(std::vector<Record>& batch, GroupCommitStats* counted) {
    std::vector<raft::Entry> run;
    for (Record& record : batch) {
        if (auto* entry = std::get_if<raft::Entry>(&record)) {
            ++counted->entries;
            counted->entry_bytes += entry->data.size();
            if (!run.empty() && entry->index != run.back().index.Next()) {
                KEEL_RETURN_IF_ERROR(wal_->Append(run));
                run.clear();
            }
            run.push_back(std::move(*entry));
            continue;
        }
        if (!run.empty()) {
            KEEL_RETURN_IF_ERROR(wal_->Append(run));
            run.clear();
        }
        KEEL_RETURN_IF_ERROR(wal_->SaveHardState(std::get<raft::HardState>(record)));
    }
    if (!run.empty()) {
        KEEL_RETURN_IF_ERROR(wal_->Append(run));
    }
    return wal_->Sync();
}

void GroupCommitter::SyncLoop() {
    std::vector<Record> batch;
    while (true) {
        uint64_t batch_ticket = 0;
        {
            std::unique_lock lock(mu_);
            work_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty() || !failure_.ok()) {
                return;  // stopping, with nothing (more) that could be made durable
            }
            const size_t take = std::min(queue_.size(), options_.batch_max);
            batch.assign(std::make_move_iterator(queue_.begin()),
                         std::make_move_iterator(queue_.begin() + static_cast<ptrdiff_t>(take)));
            queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(take));
            batch_ticket = durable_ticket_ + take;
        }
        not_full_.notify_all();
        GroupCommitStats counted;
        const absl::Status status = WriteBatch(batch, &counted);
        Index durable;
        {
            std::lock_guard lock(mu_);
            if (status.ok()) {
                durable_ticket_ = batch_ticket;
                durable_index_ = wal_->synced_last_index();
                durable = durable_index_;
                ++stats_.syncs;
                stats_.entries += counted.entries;
                stats_.entry_bytes += counted.entry_bytes;
            } else {
                failure_ = status;
            }
        }
        durable_.notify_all();
        not_full_.notify_all();
        if (!status.ok()) {
            return;
        }
        if (options_.on_durable) {
            options_.on_durable(durable);
        }
    }
}

}  // namespace keel::storage
