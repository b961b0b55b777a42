#include "backup.hpp"

#include "backup/file_io.hpp"

#include "check/consistent_cut.hpp"

#include <kernel/time.hpp>
#include <mart/module_list.hpp>

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <stdio.h>

namespace mart::backup {
namespace {

constexpr const char* kSecretFile = "jwt_secret";

// Copies the snapshot `source` holds open (its read transaction) into the new file `to`.
void copy_snapshot(SQLite::Database& source, const std::filesystem::path& to) {
  SQLite::Database target(to.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  auto* copy = sqlite3_backup_init(target.getHandle(), "main", source.getHandle(), "main");
  if (!copy)
    throw std::runtime_error("cannot back up into " + to.string() + ": " + target.getErrorMsg());
  // One step of every page: the source's read transaction is the snapshot of the cut.
  auto stepped = sqlite3_backup_step(copy, -1);
  auto finished = sqlite3_backup_finish(copy);
  if (stepped != SQLITE_DONE || finished != SQLITE_OK) {
    throw std::runtime_error("cannot back up into " + to.string() + ": " +
                             sqlite3_errstr(stepped != SQLITE_DONE ? stepped : finished));
  }
}

ManifestEntry entry_for(const std::filesystem::path& dir, const std::string& module,
                        const std::string& file) {
  auto path = dir / file;
  return {module, file, std::filesystem::file_size(path), sha256_of_file(path)};
}

}  // namespace

BackupResult take_backup(const std::filesystem::path& data_dir, const std::filesystem::path& to,
                         const BackupOptions& options) {
  auto started = std::chrono::steady_clock::now();
  if (std::filesystem::exists(to)) {
    throw UsageError(to.string() + " exists; a backup goes into a new directory");
  }
  auto target = std::filesystem::absolute(to).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  if (!std::filesystem::is_directory(target.parent_path())) {
    throw UsageError(target.parent_path().string() + " is not a directory");
  }
  std::vector<std::string> modules(kModuleNames.begin(), kModuleNames.end());
  check::ConsistentCut cut(data_dir, modules, check::CutOptions{options.lock_timeout_ms});
  if (cut.present().empty()) {
    throw UsageError("no module database in " + data_dir.string() + " to back up");
  }

  // A sibling, so the rename cannot cross file systems; its name says what it is, and it has no
  // manifest until every file is in, so it is never taken for a backup.
  auto partial = target.parent_path() / ("." + target.filename().string() + ".partial");
  auto temp = make_temp_dir(partial);
  BackupResult result;
  try {
    result.manifest.mart_version = options.mart_version;
    result.manifest.taken_at = kernel::format_rfc3339(kernel::SystemClock().now());
    result.manifest.write_pause_us = cut.write_pause().count();
    result.manifest.write_pause_ms = (result.manifest.write_pause_us + 999) / 1000;
    for (const auto& module : cut.present()) {
      auto file = module + ".db";
      copy_snapshot(*cut.module(module), temp / file);
      std::filesystem::permissions(
          temp / file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      sync_path(temp / file);
      result.manifest.modules.push_back(entry_for(temp, module, file));
    }
    if (std::filesystem::exists(data_dir / kSecretFile)) {
      copy_file_synced(data_dir / kSecretFile, temp / kSecretFile);
      result.manifest.files.push_back(entry_for(temp, "", kSecretFile));
    }
    write_file(temp / kManifestName, to_json_text(result.manifest));
    sync_path(temp);
    // Never over a directory made meanwhile (rename(2) would replace an empty one).
    if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0) {
      throw UsageError("cannot rename the backup to " + target.string() + ": " +
                       std::strerror(errno));
    }
    sync_path(target.parent_path());
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(temp, ignored);
    throw;
  }
  for (const auto& e : result.manifest.modules) result.bytes += e.bytes;
  for (const auto& e : result.manifest.files) result.bytes += e.bytes;
  result.write_pause = cut.write_pause();
  result.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return result;
}

}  // namespace mart::backup
