#pragma once
// `mart backup --to DIR` and `mart restore --from DIR`: a consistent cut of every module database
// of a data directory (check/consistent_cut.hpp), copied into a directory that appears whole or
// not at all, and put back into an empty data directory, checked on arrival.

#include "backup/manifest.hpp"

#include "check/checker.hpp"

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mart::backup {

// The command was asked for something it will not do (exit 2): DIR exists, the target data
// directory holds a module database, nothing to back up.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The backup is not whole (exit 1): no manifest, a file missing, a size or checksum that differs.
class BadBackup : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct BackupOptions {
  std::string mart_version;
  int lock_timeout_ms = 10000;  // waiting for each database's write lock
};

struct BackupResult {
  Manifest manifest;
  std::uint64_t bytes = 0;  // of every file copied
  std::chrono::microseconds write_pause{0};
  std::chrono::milliseconds took{0};
};

// Backs up every module database found in `data_dir` (and its jwt_secret file, if any) into
// `to`, which must not exist: written into a sibling temporary directory, every file and the
// directory fsynced, then renamed to `to`.
BackupResult take_backup(const std::filesystem::path& data_dir, const std::filesystem::path& to,
                         const BackupOptions& options);

struct RestoreResult {
  Manifest manifest;
  check::Report report;  // the checker's verdict on the restored data directory
};

// Verifies every file of the backup `from` against its manifest (nothing is copied on a
// mismatch: BadBackup), then copies them into `data_dir` (created if missing; refused with
// UsageError if it holds any module database or a jwt_secret the backup would replace), fsynced,
// each file renamed into place, and runs the checker on the result as of the backup's time.
RestoreResult restore_backup(const std::filesystem::path& from,
                             const std::filesystem::path& data_dir,
                             check::CheckOptions check_options);

}  // namespace mart::backup
