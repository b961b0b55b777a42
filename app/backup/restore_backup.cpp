#include "backup.hpp"

#include "backup/file_io.hpp"

#include <kernel/time.hpp>
#include <mart/module_list.hpp>

#include <fstream>
#include <sstream>

namespace mart::backup {
namespace {

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Manifest read_manifest(const std::filesystem::path& from) {
  if (!std::filesystem::is_directory(from)) throw UsageError(from.string() + " is not a directory");
  auto file = from / kManifestName;
  if (!std::filesystem::exists(file)) {
    throw BadBackup(from.string() + " has no " + kManifestName +
                    ": not a whole backup (an interrupted one never gets its manifest)");
  }
  try {
    auto manifest = parse_manifest(read_text(file));
    for (const auto& m : manifest.modules) {
      if (module_code(m.module) == 0 || m.file != m.module + ".db") {
        throw BadManifest("manifest names an unknown module database " + m.file);
      }
    }
    return manifest;
  } catch (const BadManifest& error) {
    throw BadBackup(file.string() + ": " + error.what());
  }
}

void verify(const std::filesystem::path& from, const ManifestEntry& entry) {
  auto file = from / entry.file;
  if (!std::filesystem::is_regular_file(file)) {
    throw BadBackup(file.string() + " is missing: the backup is not whole");
  }
  auto bytes = std::filesystem::file_size(file);
  if (bytes != entry.bytes) {
    throw BadBackup(file.string() + " has " + std::to_string(bytes) + " bytes, the manifest says " +
                    std::to_string(entry.bytes));
  }
  if (sha256_of_file(file) != entry.sha256) {
    throw BadBackup(file.string() + " does not match its sha256 in the manifest");
  }
}

// Refuses a target that holds anything a restore would replace or mix with.
void require_empty_target(const std::filesystem::path& data_dir, const Manifest& manifest) {
  if (!std::filesystem::exists(data_dir)) return;
  if (!std::filesystem::is_directory(data_dir)) {
    throw UsageError(data_dir.string() + " is not a directory");
  }
  for (auto name : kModuleNames) {
    for (const char* suffix : {".db", ".db-wal", ".db-shm"}) {
      auto file = data_dir / (std::string(name) + suffix);
      if (std::filesystem::exists(file)) {
        throw UsageError(data_dir.string() + " already holds " + file.filename().string() +
                         "; restore only into a data directory without module databases");
      }
    }
  }
  for (const auto& f : manifest.files) {
    if (std::filesystem::exists(data_dir / f.file)) {
      throw UsageError(data_dir.string() + " already holds " + f.file +
                       "; restore only into a data directory without one");
    }
  }
}

}  // namespace

RestoreResult restore_backup(const std::filesystem::path& from,
                             const std::filesystem::path& data_dir,
                             check::CheckOptions check_options) {
  RestoreResult result;
  result.manifest = read_manifest(from);
  require_empty_target(data_dir, result.manifest);
  std::vector<ManifestEntry> entries = result.manifest.modules;
  entries.insert(entries.end(), result.manifest.files.begin(), result.manifest.files.end());
  for (const auto& entry : entries) verify(from, entry);

  if (!std::filesystem::exists(data_dir)) {
    std::filesystem::create_directories(data_dir);
    std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all);
  }
  // Copied into a directory of the target's own file system first, so that each file then
  // appears in the data directory whole, by a rename.
  auto temp = make_temp_dir(data_dir / ".restore");
  try {
    for (const auto& entry : entries) {
      copy_file_synced(from / entry.file, temp / entry.file);
      // The copy is what mart will run on: check it, not only the source.
      if (sha256_of_file(temp / entry.file) != entry.sha256) {
        throw BadBackup("the copy of " + entry.file + " differs from the backup");
      }
    }
    sync_path(temp);
    for (const auto& entry : entries) {
      std::filesystem::rename(temp / entry.file, data_dir / entry.file);
    }
    sync_path(data_dir);
    std::filesystem::remove(temp);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove_all(temp, ignored);
    throw;
  }

  check_options.modules.clear();
  for (const auto& m : result.manifest.modules) check_options.modules.push_back(m.module);
  if (auto taken = kernel::parse_rfc3339(result.manifest.taken_at)) check_options.as_of = *taken;
  result.report = check::check_data_dir(data_dir, check_options);
  return result;
}

}  // namespace mart::backup
