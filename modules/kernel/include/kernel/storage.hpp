#pragma once
// A module's storage that cannot take a write now: its disk is full, its file system or file is
// read-only, or the disk fails. Not a bug of the request or of the code: the HTTP layer answers
// 503 with Retry-After, the bus retries without counting an attempt, and writes work again by
// themselves once the operator makes room (kernel::Database notes the cause until then).

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kernel {

enum class StorageCause { disk_full, read_only, io_error };

// "disk_full", "read_only" or "io_error": the stable words of /readyz and problem documents.
std::string_view storage_cause_name(StorageCause cause);

class StorageUnavailable : public std::runtime_error {
 public:
  // `detail` is SQLite's own text, for the log.
  StorageUnavailable(std::string module, StorageCause cause, const std::string& detail);

  const std::string& module() const { return module_; }
  StorageCause cause() const { return cause_; }

 private:
  std::string module_;
  StorageCause cause_;
};

// The cause when `error` is a StorageUnavailable, or a SQLite error that says the storage cannot
// take the write (SQLITE_FULL, SQLITE_READONLY*, SQLITE_IOERR*, SQLITE_CANTOPEN); else nullopt.
std::optional<StorageCause> storage_cause_of(const std::exception& error);

}  // namespace kernel
