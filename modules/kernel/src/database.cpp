#include "kernel/database.hpp"

#include "group_commit.hpp"
#include "kernel/log.hpp"
#include "kernel/metrics.hpp"
#include "kernel/wal_coalescing.hpp"

#include <SQLiteCpp/Exception.h>

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace kernel {
namespace {

// SQLite counts every allocation under one process-wide mutex unless told not to; with a
// writer per module and the HTTP threads all in SQLite at once, that mutex was the hottest
// lock in the order flow. Must run before SQLite initialises (the first connection opened).
void configure_sqlite_once() {
  static const bool configured = [] {
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
      log::warn("kernel", "SQLite was already in use: its memory statistics stay on (slower)");
    }
    return true;
  }();
  (void)configured;
}

// Prepared once per connection (Connection::prepare caches by address), not parsed per
// transaction as sqlite3_exec would.
constexpr const char* kBeginImmediate = "BEGIN IMMEDIATE";
constexpr const char* kBeginDeferred = "BEGIN";  // a read scope's: its snapshot starts at a read
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";

}  // namespace

void bind_optional(SQLite::Statement& statement, int index,
                   const std::optional<std::string>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

SQLite::Statement& Connection::prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
  } else {
    // tryReset: reset() would throw the error of the statement's last failed step again, which
    // was reported when it happened and must not fail its next, unrelated use.
    it->second->tryReset();
    it->second->clearBindings();
  }
  return *it->second;
}

void Connection::reset_statements() {
  for (auto& [sql, statement] : statements_) statement->tryReset();
}

namespace {

// A new database file is created readable by its owner only, whatever the umask: it holds
// password hashes, orders and payments. SQLite gives its -wal and -shm files the mode of the
// database file, so they follow. An existing file keeps the mode its operator gave it.
void create_private_file(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) ::close(fd);
}

}  // namespace

Database::Database(std::string name, std::filesystem::path file, bool in_memory,
                   DatabaseOptions options)
    : name_(std::move(name)), file_(std::move(file)), in_memory_(in_memory), options_(options) {
  configure_sqlite_once();
  commit_seconds_ = &metrics::registry()
                         .histogram("mart_sqlite_commit_duration_seconds",
                                    "Time to commit a module's write transaction.", {"module"},
                                    metrics::fast_latency_buckets())
                         .with({name_});
  catch_up_seconds_ = &metrics::registry()
                           .histogram("mart_sqlite_wal_catch_up_seconds",
                                      "Time a checkpoint held a module's writers to copy the end "
                                      "of its WAL, so that the WAL restarts.",
                                      {"module"}, metrics::fast_latency_buckets())
                           .with({name_});
  if (!in_memory_) create_private_file(file_);
  writer_ = connect(false);
  if (!in_memory_) {
    writer_->exec("PRAGMA journal_mode=WAL");
    writer_->exec(options_.synchronous_full ? "PRAGMA synchronous=FULL"
                                            : "PRAGMA synchronous=NORMAL");
    writer_->exec("PRAGMA wal_autocheckpoint=0");
  }
}

std::shared_ptr<Database> Database::open(std::string name, const std::filesystem::path& file,
                                         DatabaseOptions options) {
  return std::shared_ptr<Database>(new Database(std::move(name), file, false, options));
}

std::shared_ptr<Database> Database::open_in_memory(std::string name) {
  return std::shared_ptr<Database>(new Database(std::move(name), ":memory:", true, {}));
}

namespace {

constexpr const char* kCheckpointPassive = "PRAGMA wal_checkpoint(PASSIVE)";

// Frames committed during a checkpoint pass few enough to copy with the writers held.
constexpr int kCatchUpPassFrames = 256;

// The pragma, not sqlite3_wal_checkpoint_v2(): on a connection that has not read the database
// yet, SQLite 3.40's function finds no WAL open and does nothing, while preparing the pragma
// opens it.
CheckpointResult checkpoint_passive(Connection& connection) {
  auto& pragma = connection.prepare(kCheckpointPassive);
  pragma.executeStep();  // one row: busy, frames in the WAL, frames copied
  CheckpointResult result;
  result.wal_frames = pragma.getColumn(1).getInt();
  result.copied_frames = pragma.getColumn(2).getInt();
  pragma.tryReset();
  return result;
}

// SQLite's step returns the primary code (SQLITE_IOERR); the connection keeps the extended one.
bool is_sync_failure(const std::exception& error) {
  const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&error);
  return sqlite && sqlite->getExtendedErrorCode() == SQLITE_IOERR_FSYNC;
}

// Closing the last connection would checkpoint and delete the WAL: only frames past the copied
// mark would be copied, and those before it, whose pages may not be on the disk, would be lost.
void keep_wal_on_close(Connection* connection) {
  if (connection) {
    sqlite3_db_config(connection->raw().getHandle(), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  }
}

// Starts writing to the disk what a pass copied into the database file, without waiting for it.
// Under load a pass seldom reaches the WAL's end, and only the pass that does syncs the file:
// the pages of every pass since the last catch-up were left in the page cache, and the held
// pass's fsync wrote them all back with the writers waiting (most of a 15-50 ms hold). Started
// after each pass, that write-back runs while the writers go on. Its errors are not reported
// here: Linux keeps a write-back error for every handle, so SQLite's fsync still sees it.
void start_write_back(int fd) {
  if (fd >= 0) ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
}

}  // namespace

CheckpointResult Database::checkpoint() {
  if (in_memory_ || checkpoints_stopped()) return {};
  std::lock_guard lock(checkpoint_mutex_);
  try {
    if (!checkpointer_) {
      checkpointer_ = connect(false);
      write_back_.reset(::open(file_.c_str(), O_RDONLY | O_CLOEXEC));
      if (!write_back_) {
        log::warn("sqlite", name_ + ": no handle for early write-back (" + std::strerror(errno) +
                                "); catch-ups hold the writers longer");
      }
    }
    auto unheld_pass = [this] {
      auto result = checkpoint_passive(*checkpointer_);
      start_write_back(write_back_.get());
      return result;
    };
    auto result = unheld_pass();
    // The counts are of the WAL as a pass began; writers went on meanwhile. Before holding them,
    // a few more passes copy what came during the one before, each shorter than the last, so
    // that the hold copies (and syncs) only what came during a short pass.
    for (int pass = 0; pass < 3 && result.wal_frames >= options_.wal_catch_up_frames; ++pass) {
      auto next = unheld_pass();
      bool small = next.wal_frames - result.wal_frames <= kCatchUpPassFrames;
      result = next;
      if (small) break;
    }
    if (result.wal_frames >= options_.wal_catch_up_frames) {
      LockFirst write_lock(write_mutex_);
      auto started = std::chrono::steady_clock::now();
      result = checkpoint_passive(*checkpointer_);
      result.caught_up = true;
      catch_up_seconds_->observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    return result;
  } catch (const std::exception& error) {
    if (is_sync_failure(error) && !checkpoints_stopped_.exchange(true)) {
      log::error("sqlite", name_ +
                               ": a checkpoint's sync failed; checkpoints stop until mart "
                               "restarts, and the WAL is kept for the next start to copy "
                               "again: " +
                               error.what());
    }
    // Copying pages into a full or read-only file is a storage failure like a write's.
    if (auto cause = storage_cause_of(error)) storage_failed(*cause, error);
    throw;
  }
}

namespace {

// Below this much free space a write is not expected to find room (a commit appends a few pages
// to the WAL; a checkpoint may grow the database file).
constexpr unsigned long long kRoomBytes = 64 * 1024;

// Whether the file system holding `dir` is mounted read-only.
bool read_only_file_system(const std::filesystem::path& dir) {
  struct statvfs fs {};
  return ::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
}

std::filesystem::path directory_of(const std::filesystem::path& file) {
  return file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
}

}  // namespace

void Database::storage_failed(StorageCause cause, const std::exception& error) {
  // A read-only remount shows as an I/O error (EROFS) on the files already open.
  if (cause == StorageCause::io_error && !in_memory_ &&
      read_only_file_system(directory_of(file_))) {
    cause = StorageCause::read_only;
  }
  auto before = storage_failure_.exchange(static_cast<int>(cause), std::memory_order_relaxed);
  if (before != static_cast<int>(cause)) {
    log::warn("sqlite", name_ + ": storage unavailable (" + std::string(storage_cause_name(cause)) +
                            "); its writes are refused until one succeeds again: " + error.what());
  }
  if (const auto* already = dynamic_cast<const StorageUnavailable*>(&error)) throw *already;
  throw StorageUnavailable(name_, cause, error.what());
}

std::exception_ptr Database::as_storage_failure(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& failure) {
    auto cause = storage_cause_of(failure);
    if (!cause) return error;
    try {
      storage_failed(*cause, failure);
    } catch (...) {
      return std::current_exception();
    }
  } catch (...) {
  }
  return error;
}

void Database::storage_recovered() {
  if (storage_failure_.exchange(kStorageOk, std::memory_order_relaxed) != kStorageOk) {
    log::info("sqlite", name_ + ": storage takes writes again");
  }
}

std::optional<StorageCause> Database::recheck_storage() {
  auto failure = storage_failure();
  if (!failure) return std::nullopt;
  if (!in_memory_) {
    auto dir = directory_of(file_);
    if (::access(file_.c_str(), W_OK) != 0 || ::access(dir.c_str(), W_OK) != 0 ||
        read_only_file_system(dir)) {
      return StorageCause::read_only;
    }
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) == 0 &&
        static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize < kRoomBytes) {
      return StorageCause::disk_full;
    }
  }
  // Room for a write: a new table holding kRoomBytes takes pages as a write would (the free list
  // first, then new ones within max_page_count), under a short busy timeout; rolled back.
  constexpr int kProbeBusyTimeoutMs = 200;
  try {
    std::lock_guard lock(write_mutex_);
    writer_->raw().setBusyTimeout(kProbeBusyTimeoutMs);
    struct Restore {
      Connection& c;
      int ms;
      ~Restore() {
        try {
          if (sqlite3_get_autocommit(c.raw().getHandle()) == 0) c.exec("ROLLBACK");
        } catch (const std::exception&) {
          // SQLite already ended the transaction.
        }
        c.raw().setBusyTimeout(ms);
      }
    } restore{*writer_, options_.busy_timeout_ms};
    writer_->exec("BEGIN IMMEDIATE");
    writer_->exec("CREATE TABLE kernel_storage_probe(x)");
    writer_->raw().exec("INSERT INTO kernel_storage_probe VALUES (zeroblob(" +
                        std::to_string(kRoomBytes) + "))");
  } catch (const std::exception& error) {
    auto cause = storage_cause_of(error);
    if (cause) storage_failure_.store(static_cast<int>(*cause), std::memory_order_relaxed);
    return cause ? cause : failure;  // busy: no news
  }
  storage_recovered();
  return std::nullopt;
}

std::unique_ptr<Connection> Database::connect(bool reader) const {
  int flags = reader ? SQLite::OPEN_READONLY : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  auto db =
      std::make_unique<SQLite::Database>(file_.string(), flags | SQLITE_OPEN_NOMUTEX,
                                         options_.busy_timeout_ms, wal_coalescing::vfs_name());
  db->exec("PRAGMA foreign_keys=ON");
  if (!reader) db->exec("PRAGMA temp_store=MEMORY");
  return std::make_unique<Connection>(std::move(db));
}

Database::Transaction::Transaction(Connection& c, metrics::Histogram* commit_seconds)
    : connection_(c), commit_seconds_(commit_seconds) {
  connection_.prepare(kBeginImmediate).exec();
}

Database::Transaction::~Transaction() {
  if (done_) return;
  try {
    connection_.reset_statements();
    connection_.prepare(kRollback).exec();
  } catch (const SQLite::Exception&) {
    // The transaction may already be gone (SQLite rolls back on some errors itself).
  }
}

void Database::Transaction::commit() {
  connection_.reset_statements();
  auto started = std::chrono::steady_clock::now();
  connection_.prepare(kCommit).exec();
  done_ = true;
  if (commit_seconds_) {
    commit_seconds_->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
}

std::unique_ptr<Connection> Database::take_reader() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!readers_.empty()) {
      auto connection = std::move(readers_.back());
      readers_.pop_back();
      return connection;
    }
  }
  return connect(true);
}

void Database::return_reader(std::unique_ptr<Connection> connection) {
  connection->reset_statements();
  // One left inside a transaction (a read scope whose COMMIT failed, or a caller's own BEGIN)
  // would hand its old snapshot to every later reader: closed instead of pooled.
  if (sqlite3_get_autocommit(connection->raw().getHandle()) == 0) return;
  std::lock_guard lock(pool_mutex_);
  readers_.push_back(std::move(connection));
}

namespace {

thread_local Database::ReadScope* t_read_scope = nullptr;

}  // namespace

Database::ReadScope::ReadScope(Database& db) : db_(db), outer_(t_read_scope) {
  if (db_.in_memory_) return;
  connection_ = db_.take_reader();
  try {
    connection_->prepare(kBeginDeferred).exec();
  } catch (...) {
    db_.return_reader(std::move(connection_));
    throw;
  }
  t_read_scope = this;
}

Database::ReadScope::~ReadScope() {
  if (!connection_) return;
  assert(t_read_scope == this && "read scopes end in the reverse order of their start");
  t_read_scope = outer_;
  try {
    connection_->reset_statements();
    connection_->prepare(kCommit).exec();  // ends a read transaction: nothing to write
  } catch (const SQLite::Exception&) {
    // A failed read may have ended the transaction already; return_reader checks.
  }
  db_.return_reader(std::move(connection_));
}

Connection* Database::ReadScope::connection_for(const Database* db) {
  for (auto* scope = t_read_scope; scope; scope = scope->outer_) {
    if (&scope->db_ == db) return scope->connection_.get();
  }
  return nullptr;
}

Database::~Database() {
  drain_queued();
  if (checkpoints_stopped()) {
    keep_wal_on_close(writer_.get());
    keep_wal_on_close(checkpointer_.get());
    for (auto& reader : readers_) keep_wal_on_close(reader.get());
  }
}

}  // namespace kernel
