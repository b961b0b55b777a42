#include "seed/existing_data.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <string>

namespace mart::seed {
namespace {

constexpr const char* kTableExists =
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?";
// The table name comes from kTables below, never from input.
constexpr const char* kAnyRow = "SELECT EXISTS (SELECT 1 FROM %TABLE%)";

struct OwnedTable {
  const char* file;
  const char* table;
};
constexpr OwnedTable kTables[] = {{"users.db", "users"}, {"products.db", "products"}};

bool has_rows(const std::filesystem::path& file, const std::string& table) {
  if (!std::filesystem::exists(file)) return false;
  // Read-write without create, not read-only: a read-only connection to a WAL database leaves
  // -wal and -shm files behind, a read-write one removes them on close. Only SELECTs run.
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
  db.setBusyTimeout(5000);
  SQLite::Statement exists(db, kTableExists);
  exists.bind(1, table);
  if (!exists.executeStep()) return false;
  std::string sql = kAnyRow;
  sql.replace(sql.find("%TABLE%"), 7, table);
  SQLite::Statement any(db, sql);
  return any.executeStep() && any.getColumn(0).getInt() == 1;
}

}  // namespace

bool holds_users_or_products(const std::filesystem::path& data_dir) {
  for (const auto& owned : kTables) {
    if (has_rows(data_dir / owned.file, owned.table)) return true;
  }
  return false;
}

}  // namespace mart::seed
