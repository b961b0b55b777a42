// Group commit: write_grouped() and write_queued() share one transaction among the writes that
// arrive while another group is being written (one COMMIT; a savepoint per write only after a
// failure), so a module's writers pay for one commit per group rather than one each.

#include "group_commit.hpp"
#include "kernel/thread_name.hpp"

#include "kernel/log.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <thread>

namespace kernel {
namespace {

// Prepared once per connection (Connection::prepare caches by address).
constexpr const char* kGroupSavepoint = "SAVEPOINT grouped_write";
constexpr const char* kGroupRelease = "RELEASE grouped_write";
constexpr const char* kGroupRollbackTo = "ROLLBACK TO grouped_write";

// Fewer queued writes than this in a group make the request writer linger (request_linger).
constexpr std::size_t kSmallRequestGroup = 8;

}  // namespace

void Database::write_queued(std::function<void(Connection&)> fn,
                            std::function<void(std::exception_ptr)> done) {
  auto item = std::make_unique<QueuedWrite>(std::move(fn), std::move(done));
  {
    std::lock_guard lock(queue_mutex_);
    if (!queue_writer_.joinable()) {
      // Started before the write is queued: if it cannot start, nothing was queued.
      auto generation = ++queue_generation_;
      queue_writer_ = std::thread([this, generation] {
        name_this_thread("write-" + name_);
        run_queue(generation);
      });
    }
    queued_.push_back(std::move(item));
  }
  queue_wake_.notify_all();
}

void Database::drain_queued() {
  std::thread writer;
  {
    std::lock_guard lock(queue_mutex_);
    queue_stopped_generation_ = queue_generation_;
    writer = std::move(queue_writer_);
  }
  queue_wake_.notify_all();
  if (writer.joinable()) writer.join();
}

void Database::run_queue(std::uint64_t generation) {
  std::unique_lock lock(queue_mutex_);
  while (true) {
    // A writer started after a drain began has a later generation: the draining one still
    // leaves once the queue is empty.
    auto stopping = [&] { return queue_stopped_generation_ >= generation; };
    queue_wake_.wait(lock, [&] { return stopping() || !queued_.empty(); });
    if (queued_.empty()) return;  // stopping, and nothing is left to write
    auto batch = std::move(queued_);
    queued_.clear();
    lock.unlock();
    std::vector<GroupedWrite*> group;
    group.reserve(batch.size());
    for (auto& item : batch) group.push_back(&item->write);
    {
      std::lock_guard write_lock(write_mutex_);
      write_group(group);
    }
    const bool small = batch.size() < kSmallRequestGroup;
    for (auto& item : batch) {
      log::Scope scope(item->write.request_id, item->write.trace_id);
      try {
        item->done(item->write.error);
      } catch (const std::exception& error) {
        log::error("sqlite", name_ + ": a queued write's completion threw: " + error.what());
      } catch (...) {
        log::error("sqlite", name_ + ": a queued write's completion threw a non-exception");
      }
    }
    lock.lock();
    if (small && options_.request_linger.count() > 0 && !stopping()) {
      // A sleep, not a wait on queue_wake_: each queued write would wake it (a context switch
      // per request). A drain that starts meanwhile waits for this one linger at most.
      lock.unlock();
      std::this_thread::sleep_for(options_.request_linger);
      lock.lock();
    }
  }
}

void Database::run_grouped(const std::function<void(Connection&)>& fn) {
  GroupedWrite mine{fn, log::current_request_id(), log::current_trace_id(), nullptr, false};
  std::unique_lock lock(group_mutex_);
  group_queue_.push_back(&mine);
  group_done_.wait(lock, [&] { return mine.done || !group_leader_; });
  if (!mine.done) {
    // Lead: write everything queued so far (this caller's write among it) in one transaction.
    group_leader_ = true;
    auto group = std::move(group_queue_);
    group_queue_.clear();
    lock.unlock();
    // Whatever happens below, the group ends and the next caller may lead.
    struct EndGroup {
      Database& db;
      std::vector<GroupedWrite*>& group;
      ~EndGroup() {
        {
          std::lock_guard relock(db.group_mutex_);
          for (auto* write : group) write->done = true;
          db.group_leader_ = false;
        }
        db.group_done_.notify_all();
      }
    } end_group{*this, group};
    std::lock_guard write_lock(write_mutex_);
    write_group(group);
  }
  if (mine.error) std::rethrow_exception(mine.error);
}

void Database::write_group(const std::vector<GroupedWrite*>& group) {
  // Nearly every group succeeds whole: first without a savepoint per write (two statements and
  // a statement journal each). After a failure a group of several is written again with them,
  // which tells each write's failure apart (ADR 0014, as for delivery batches), so a queued fn
  // may run twice; only its last run's effects are committed.
  try {
    Transaction tx(*writer_, commit_seconds_);
    for (auto* write : group) {
      log::Scope scope(write->request_id, write->trace_id);
      write->fn(*writer_);
      // SQLite ended the transaction itself (disk full, I/O error) and fn went on: what follows
      // would commit statement by statement. The second pass tells who failed.
      if (group.size() > 1 && sqlite3_get_autocommit(writer_->raw().getHandle()) != 0) {
        throw std::runtime_error("the group's transaction ended inside a write");
      }
    }
    tx.commit();
    note_written();
    return;
  } catch (...) {
    // Rolled back by the Transaction. A lone write's failure (or BEGIN's, or COMMIT's) is its own.
    if (group.size() == 1) {
      group.front()->error = as_storage_failure(std::current_exception());
      return;
    }
  }
  try {
    Transaction tx(*writer_, commit_seconds_);
    for (auto* write : group) {
      log::Scope scope(write->request_id, write->trace_id);
      writer_->prepare(kGroupSavepoint).exec();
      try {
        write->fn(*writer_);
        // SQLite refuses RELEASE while a statement fn left mid-step is still running (the
        // grouped-write test with INSERT … RETURNING shows it).
        writer_->reset_statements();
        writer_->prepare(kGroupRelease).exec();
      } catch (...) {
        write->error = as_storage_failure(std::current_exception());
        try {
          writer_->reset_statements();  // fn's statements stop before its effects are undone
          writer_->prepare(kGroupRollbackTo).exec();
          writer_->prepare(kGroupRelease).exec();
        } catch (...) {
          // SQLite already ended the transaction (disk full, I/O error): the whole group fails,
          // with the error that ended it rather than "no such savepoint".
          std::rethrow_exception(write->error);
        }
      }
    }
    tx.commit();
    note_written();
  } catch (...) {
    // BEGIN, COMMIT or a savepoint failed: nothing of the group was committed.
    auto error = as_storage_failure(std::current_exception());
    for (auto* write : group) {
      if (!write->error) write->error = error;
    }
  }
}

}  // namespace kernel
