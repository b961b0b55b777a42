#include "kernel/storage.hpp"

#include <SQLiteCpp/Exception.h>

#include <sqlite3.h>

namespace kernel {

std::string_view storage_cause_name(StorageCause cause) {
  switch (cause) {
    case StorageCause::disk_full:
      return "disk_full";
    case StorageCause::read_only:
      return "read_only";
    case StorageCause::io_error:
      return "io_error";
  }
  return "io_error";
}

StorageUnavailable::StorageUnavailable(std::string module, StorageCause cause,
                                       const std::string& detail)
    : std::runtime_error(module + ": storage unavailable (" +
                         std::string(storage_cause_name(cause)) + "): " + detail),
      module_(std::move(module)),
      cause_(cause) {}

std::optional<StorageCause> storage_cause_of(const std::exception& error) {
  if (const auto* storage = dynamic_cast<const StorageUnavailable*>(&error)) {
    return storage->cause();
  }
  const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&error);
  if (!sqlite) return std::nullopt;
  switch (sqlite->getErrorCode() & 0xff) {  // the primary code of an extended one
    case SQLITE_FULL:
      return StorageCause::disk_full;
    case SQLITE_READONLY:
      return StorageCause::read_only;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return StorageCause::io_error;
    default:
      return std::nullopt;
  }
}

}  // namespace kernel
