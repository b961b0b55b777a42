#pragma once
// A module's SQLite database: one serialized writer connection (SQLite allows one writer, and a
// second writer thread only adds lock contention) plus a pool of reader connections (WAL lets
// them read while the writer writes). Statements are prepared once per connection and cached.

#include "kernel/priority_mutex.hpp"
#include "kernel/storage.hpp"
#include "kernel/unique_fd.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace kernel {

namespace metrics {
class Histogram;
}

class Connection {
 public:
  explicit Connection(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  // A cached prepared statement, reset and with bindings cleared. `sql` must outlive the
  // connection (use named constants).
  SQLite::Statement& prepare(const char* sql);
  void exec(const char* sql) { db_->exec(sql); }
  std::int64_t last_insert_rowid() const { return db_->getLastInsertRowid(); }
  int changes() const { return db_->getChanges(); }
  SQLite::Database& raw() { return *db_; }
  // Resets every cached statement so none holds a read snapshot open after its use.
  void reset_statements();

 private:
  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements_;
};

// Binds a text value, or NULL when absent.
void bind_optional(SQLite::Statement& statement, int index,
                   const std::optional<std::string>& value);

struct DatabaseOptions {
  int busy_timeout_ms = 5000;
  // FULL (setting `durability = power`): a commit is on the disk when it returns, so it survives
  // a power loss. NORMAL (`process`) in WAL mode survives a crash of the process; an OS crash or
  // power loss may lose the last commits.
  bool synchronous_full = false;
  // A checkpoint copies the WAL into the database file while writers go on, so under steady load
  // it never reaches the WAL's end and the WAL never restarts (it grew to 17.9 GB in a 5-minute
  // benchmark). Once the WAL holds this many frames (4 KiB pages), a checkpoint copies what is left
  // with the writers held for that short while (a copy and an fsync: 2-10 ms, as the earlier
  // passes' pages are already on their way to the disk), and the next write starts the WAL
  // over. High, so that the holds are rare: at 4,096 they came twice a second under load and
  // doubled the POST p99.
  int wal_catch_up_frames = 65536;
  // After a group of fewer than 8 queued writes (write_queued), the request writer waits this
  // long before it takes the next group, so that at moderate load requests share commits: a
  // commit per request or two made the machine busier and the tail longer (POST p99 at half
  // load 7.8-19.6 ms without it, 7.1-13.8 with it, #18's ninth step in docs/benchmarks.md).
  // Each request is answered before the wait. 0 takes the next group at once.
  std::chrono::microseconds request_linger{0};
};

// What a checkpoint did, in WAL frames (pages).
struct CheckpointResult {
  int wal_frames = 0;      // in the WAL when it ended
  int copied_frames = 0;   // of those, in the database file
  bool caught_up = false;  // the writers were held to copy the rest (wal_catch_up_frames)
};

class Database {
 public:
  // Opens (creating) `file` in WAL mode with foreign keys on and a busy timeout.
  static std::shared_ptr<Database> open(std::string name, const std::filesystem::path& file,
                                        DatabaseOptions options = {});
  // A private in-memory database; readers share the writer connection.
  static std::shared_ptr<Database> open_in_memory(std::string name);

  const std::string& name() const { return name_; }
  bool in_memory() const { return in_memory_; }
  const std::filesystem::path& file() const { return file_; }
  int busy_timeout_ms() const { return options_.busy_timeout_ms; }

  // Runs fn(Connection&) inside BEGIN IMMEDIATE ... COMMIT, serialized with every other writer.
  // An exception rolls the transaction back and propagates; SQLite's word for storage that cannot
  // take the write (disk full, read-only, I/O error) propagates as a StorageUnavailable.
  template <class F>
  decltype(auto) write(F&& fn) {
    std::lock_guard lock(write_mutex_);
    try {
      Transaction tx(*writer_, commit_seconds_);
      if constexpr (std::is_void_v<decltype(fn(*writer_))>) {
        fn(*writer_);
        tx.commit();
        note_written();
      } else {
        decltype(auto) result = fn(*writer_);
        tx.commit();
        note_written();
        return result;
      }
    } catch (const std::exception& error) {
      if (auto cause = storage_cause_of(error)) storage_failed(*cause, error);  // throws
      throw;
    }
  }

  // Like write(), but callers that arrive while another group is being written share one
  // transaction (group commit): the first waiting caller runs every queued fn, then commits
  // once. A throwing fn undoes only its own effects and its exception reaches only its own
  // caller: after a failure the group is written again with each fn in its own savepoint (ADR
  // 0014), so an fn may run twice, and only its last run's effects are committed. A failed
  // BEGIN or COMMIT reaches every caller of the group. Each caller returns after the commit that
  // holds its effects. fn may run on another caller's thread (with this thread's log ids): it
  // must not rely on other thread-local state.
  template <class F>
  decltype(auto) write_grouped(F&& fn) {
    using Result = decltype(fn(*writer_));
    if constexpr (std::is_void_v<Result>) {
      run_grouped([&](Connection& c) { fn(c); });
    } else {
      // On the heap: GCC 12 cannot see that run_grouped either filled it or threw.
      std::unique_ptr<Result> result;
      run_grouped([&](Connection& c) { result = std::make_unique<Result>(fn(c)); });
      return Result(std::move(*result));
    }
  }

  // The asynchronous form of write_grouped(): queues fn for this database's request writer, a
  // thread that writes everything queued meanwhile in one transaction (one commit; savepoints
  // and a second run only after a failure, as there) and then, on that thread, calls each
  // `done` with nullptr or with the exception its fn (or the group's BEGIN or COMMIT) threw. The
  // caller's thread does not wait, so an HTTP I/O thread goes on reading requests while a group is
  // written, and the next group holds all of them. fn runs with the caller's log ids.
  void write_queued(std::function<void(Connection&)> fn,
                    std::function<void(std::exception_ptr)> done);
  // Writes what is queued, then stops the request writer (write_queued starts it again). The
  // destructor calls it too.
  void drain_queued();

  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs fn(Connection&) on a reader connection (no explicit transaction: use one statement, or
  // open one yourself for multi-statement consistency). Inside a ReadScope of this database on
  // this thread, fn runs on the scope's connection, in its transaction.
  template <class F>
  decltype(auto) read(F&& fn) {
    if (in_memory_) {
      std::lock_guard lock(write_mutex_);
      return fn(*writer_);
    }
    if (auto* scoped = ReadScope::connection_for(this)) return fn(*scoped);
    Lease lease(*this);
    return fn(lease.connection());
  }

  // While it lives, this thread's read() calls on `db` share one reader connection and one read
  // transaction: they see one snapshot, and take the WAL's read lock once instead of once per
  // statement. For a run of small reads on one thread (an outside subscriber's checks over a
  // delivery batch). Reads inside must not nest; a scope on an in-memory database does nothing.
  class ReadScope {
   public:
    explicit ReadScope(Database& db);
    ~ReadScope();
    ReadScope(const ReadScope&) = delete;
    ReadScope& operator=(const ReadScope&) = delete;

    // The connection of the innermost scope of `db` open on this thread, if any.
    static Connection* connection_for(const Database* db);

   private:
    Database& db_;
    std::unique_ptr<Connection> connection_;
    ReadScope* outer_;  // the scope open on this thread before this one
  };

  // Copies committed WAL pages into the database file (PASSIVE: never waits for readers or the
  // writer), then, if the WAL is past options.wal_catch_up_frames, copies what was committed
  // meanwhile with the writers held, so that the WAL restarts. File databases do not checkpoint
  // on commit (that would put the checkpoint's fsyncs inside a request's write lock); their owner
  // calls this periodically, off the threads that write.
  // After a sync of the database file or the WAL failed, checkpoints stop for the rest of the
  // process and the WAL is kept when the database closes: pages copied before the failure may
  // not be on the disk, and a later sync on the same file would not say so (Linux reports a
  // write-back error once per open file). The next start rebuilds the WAL's index and copies
  // every frame again.
  CheckpointResult checkpoint();
  bool checkpoints_stopped() const { return checkpoints_stopped_.load(std::memory_order_relaxed); }

  // Why the last write failed on its storage (disk full, read-only, I/O error), until a write
  // commits again or recheck_storage() finds room; nullopt while writes work.
  std::optional<StorageCause> storage_failure() const {
    auto value = storage_failure_.load(std::memory_order_relaxed);
    if (value == kStorageOk) return std::nullopt;
    return static_cast<StorageCause>(value);
  }
  // While storage_failure() is set: whether a write would find room now (the file and its
  // directory writable on a writable file system with free space, and a new page allocatable
  // within the database's page limit), clearing it if so. Rolls back whatever it tried.
  std::optional<StorageCause> recheck_storage();

  // Without a transaction; for pragmas and maintenance.
  template <class F>
  decltype(auto) with_writer(F&& fn) {
    std::lock_guard lock(write_mutex_);
    return fn(*writer_);
  }

 private:
  Database(std::string name, std::filesystem::path file, bool in_memory, DatabaseOptions options);
  std::unique_ptr<Connection> connect(bool reader) const;

  // Storage failures (in database.cpp): notes the cause (logged once as it begins) and throws it
  // as a StorageUnavailable; note_written() clears it after a commit.
  static constexpr int kStorageOk = -1;
  [[noreturn]] void storage_failed(StorageCause cause, const std::exception& error);
  // `error` as a StorageUnavailable when it is a storage failure (noted), else unchanged.
  std::exception_ptr as_storage_failure(std::exception_ptr error);
  void note_written() {
    if (storage_failure_.load(std::memory_order_relaxed) != kStorageOk) storage_recovered();
  }
  void storage_recovered();

  // Group commit, in src/group_commit.cpp.
  struct GroupedWrite;
  struct QueuedWrite;
  void run_grouped(const std::function<void(Connection&)>& fn);
  void run_queue(std::uint64_t generation);
  // Writes `group` in one transaction (the caller holds write_mutex_); sets each one's error.
  void write_group(const std::vector<GroupedWrite*>& group);

  class Transaction {
   public:
    // `commit_seconds` (may be null) observes how long each COMMIT takes.
    Transaction(Connection& c, metrics::Histogram* commit_seconds);
    ~Transaction();
    void commit();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

   private:
    Connection& connection_;
    metrics::Histogram* commit_seconds_;
    bool done_ = false;
  };

  class Lease {
   public:
    explicit Lease(Database& db) : db_(db), connection_(db.take_reader()) {}
    ~Lease() { db_.return_reader(std::move(connection_)); }
    Connection& connection() { return *connection_; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

   private:
    Database& db_;
    std::unique_ptr<Connection> connection_;
  };
  // A reader connection from the pool (a new one if none is free), and its way back.
  std::unique_ptr<Connection> take_reader();
  void return_reader(std::unique_ptr<Connection> connection);

  std::string name_;
  std::filesystem::path file_;
  // A handle of its own on the database file, through which checkpoint() starts the write-back
  // of the pages it copied. Declared before the connections so that it closes after them:
  // closing any handle on a file drops the process's POSIX locks on it, SQLite's included (so
  // one Database per file in a process: closing one would drop the other's locks).
  UniqueFd write_back_;
  bool in_memory_;
  DatabaseOptions options_;
  std::atomic<int> storage_failure_{kStorageOk};    // a StorageCause, or kStorageOk
  metrics::Histogram* commit_seconds_ = nullptr;    // mart_sqlite_commit_duration_seconds{module}
  metrics::Histogram* catch_up_seconds_ = nullptr;  // mart_sqlite_wal_catch_up_seconds{module}
  // Every writer's lock; the WAL catch-up takes it ahead of them (lock_first), or a writer
  // that never pauses could keep it from the catch-up for as long as it writes.
  PriorityMutex write_mutex_;
  std::unique_ptr<Connection> writer_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::mutex checkpoint_mutex_;
  std::unique_ptr<Connection> checkpointer_;
  std::atomic<bool> checkpoints_stopped_{false};  // a checkpoint's sync failed (see checkpoint())
  // Group commit: callers queue here; one of them at a time (the leader) writes the queue.
  std::mutex group_mutex_;
  std::condition_variable group_done_;
  std::vector<GroupedWrite*> group_queue_;
  bool group_leader_ = false;
  // The request writer (write_queued): its queue and its thread, started on first use.
  std::mutex queue_mutex_;
  std::condition_variable queue_wake_;
  std::vector<std::unique_ptr<QueuedWrite>> queued_;
  std::uint64_t queue_generation_ = 0;          // of the last request writer started
  std::uint64_t queue_stopped_generation_ = 0;  // writers up to this one leave when idle
  std::thread queue_writer_;
};

}  // namespace kernel
