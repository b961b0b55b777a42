#pragma once
// One instant across the module databases of a data directory, for `mart check` and
// `mart backup`, safe on a running mart: the write lock of every database is taken (BEGIN
// IMMEDIATE, in module order), a read transaction is opened on each, and the write locks are
// released. Each read transaction then sees the databases as they were at that instant, however
// long the reading takes, while the running mart writes on. The time the write locks were held
// is the write pause: the running mart's writers wait on their busy timeout meanwhile (5 s,
// kernel::DatabaseOptions), so a pause of milliseconds delays writes but never fails one.
//
// Nothing is written and no database is created: a missing module database is only noted.

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mart::check {

struct CutOptions {
  // How long to wait for each write lock (a writer of the running mart may hold it).
  int lock_timeout_ms = 10000;
};

class ConsistentCut {
 public:
  // Takes the cut over the databases <data_dir>/<module>.db of `modules` (module order is the
  // order of kModuleNames, whatever the order given). Throws SQLite::Exception when a database
  // cannot be opened or locked.
  ConsistentCut(const std::filesystem::path& data_dir, const std::vector<std::string>& modules,
                CutOptions options = {});
  ~ConsistentCut();
  ConsistentCut(const ConsistentCut&) = delete;
  ConsistentCut& operator=(const ConsistentCut&) = delete;

  // The connection holding `module`'s read transaction, or null when its database is missing.
  SQLite::Database* module(std::string_view name) const;
  const std::vector<std::string>& present() const { return present_; }
  const std::vector<std::string>& missing() const { return missing_; }
  const std::filesystem::path& file_of(std::string_view module) const;
  std::chrono::microseconds write_pause() const { return write_pause_; }

 private:
  struct Snapshot {
    std::string module;
    std::filesystem::path file;
    std::unique_ptr<SQLite::Database> reader;
  };
  // Declared first, so destroyed last: the last connection to close a database of a stopped mart
  // then may remove the -wal and -shm files that opening it made (a read-only one may not).
  std::vector<std::unique_ptr<SQLite::Database>> lockers_;
  std::vector<Snapshot> snapshots_;
  std::vector<std::string> present_;
  std::vector<std::string> missing_;
  std::chrono::microseconds write_pause_{0};
};

}  // namespace mart::check
