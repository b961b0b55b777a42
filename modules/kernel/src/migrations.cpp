#include "kernel/migrations.hpp"

#include "kernel/faults.hpp"
#include "kernel/ids.hpp"
#include "kernel/time.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

namespace kernel {
namespace {

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  scope      TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  name       TEXT    NOT NULL,
  checksum   TEXT    NOT NULL,
  applied_at TEXT    NOT NULL,
  PRIMARY KEY (scope, version)
))sql";
constexpr const char* kSelectApplied =
    "SELECT version, name, checksum FROM schema_migrations WHERE scope = ?";
constexpr const char* kInsertApplied =
    "INSERT INTO schema_migrations(scope, version, name, checksum, applied_at) "
    "VALUES (?, ?, ?, ?, ?)";

constexpr const char* kForeignKeyCheck = "PRAGMA foreign_key_check";

struct Applied {
  std::string name;
  std::string checksum;
};

// A migration's statements one at a time, with the fault point mid_migration between the
// first and the second (faults.* settings; only while faults are injected).
void exec_with_stop_point(Connection& c, const std::string& sql) {
  auto* handle = c.raw().getHandle();
  const char* next = sql.c_str();
  int executed = 0;
  while (*next != '\0') {
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    if (sqlite3_prepare_v2(handle, next, -1, &statement, &tail) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(handle));
    }
    next = tail;
    if (!statement) continue;  // blanks or a comment
    if (executed == 1) faults::stop_at(faults::StopPoint::mid_migration);
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW) rc = sqlite3_step(statement);
    std::string error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(handle);
    sqlite3_finalize(statement);
    if (rc != SQLITE_DONE) throw std::runtime_error(error);
    ++executed;
  }
}

// Runs one migration and records it, in one transaction.
void apply_one(Database& db, const std::string& scope, const Migration& migration,
               const std::string& checksum) {
  db.write([&](Connection& c) {
    if (faults::enabled()) {
      exec_with_stop_point(c, migration.sql);
    } else {
      c.exec(migration.sql.c_str());
    }
    auto& check = c.prepare(kForeignKeyCheck);
    if (check.executeStep()) {
      auto table = check.getColumn(0).getString();
      auto parent = check.getColumn(2).getString();
      check.reset();
      throw MigrationError("a row of " + table + " refers to a missing row of " + parent);
    }
    check.reset();
    auto& insert = c.prepare(kInsertApplied);
    insert.bind(1, scope);
    insert.bind(2, migration.version);
    insert.bind(3, migration.name);
    insert.bind(4, checksum);
    insert.bind(5, format_rfc3339(SystemClock().now()));
    insert.exec();
  });
}

}  // namespace

std::string migration_checksum(const std::string& sql) {
  return digest_hex(sql);
}

int apply_migrations(Database& db, const std::string& scope, const std::vector<Migration>& set) {
  std::vector<Migration> ordered = set;
  std::sort(ordered.begin(), ordered.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });

  std::map<int, Applied> applied;
  db.with_writer([&](Connection& c) {
    c.exec(kCreateTable);
    auto& select = c.prepare(kSelectApplied);
    select.bind(1, scope);
    while (select.executeStep()) {
      applied[select.getColumn(0).getInt()] = {select.getColumn(1).getString(),
                                               select.getColumn(2).getString()};
    }
  });

  for (const auto& [version, record] : applied) {
    auto known =
        std::find_if(ordered.begin(), ordered.end(),
                     // An init-capture: clang 14 cannot capture a structured binding.
                     [version = version](const Migration& m) { return m.version == version; });
    if (known == ordered.end()) {
      throw MigrationError("database " + db.name() + " has migration " + scope + "/" + record.name +
                           " applied, which this build does not know; "
                           "it was written by a newer version of mart");
    }
  }

  int count = 0;
  for (const auto& migration : ordered) {
    auto checksum = migration_checksum(migration.sql);
    if (auto it = applied.find(migration.version); it != applied.end()) {
      if (it->second.checksum != checksum) {
        throw MigrationError("migration " + scope + "/" + migration.name +
                             " was edited after it was applied to database " + db.name() +
                             " (recorded checksum " + it->second.checksum.substr(0, 12) +
                             ", file now " + checksum.substr(0, 12) +
                             "); add a new migration instead of editing an applied one");
      }
      continue;
    }
    try {
      // Foreign keys off while a migration runs, as SQLite's way of changing a table asks
      // (create the new table, copy, drop the old one, rename): dropping a table that others
      // refer to would otherwise delete through the references. The pragma only takes effect
      // outside a transaction; foreign_key_check then proves the result before it commits.
      db.with_writer([](Connection& c) { c.exec("PRAGMA foreign_keys=OFF"); });
      auto keys_on = [&db] {
        db.with_writer([](Connection& c) { c.exec("PRAGMA foreign_keys=ON"); });
      };
      try {
        apply_one(db, scope, migration, checksum);
      } catch (...) {
        keys_on();
        throw;
      }
      keys_on();
    } catch (const std::exception& error) {
      throw MigrationError("migration " + scope + "/" + migration.name + " failed on database " +
                           db.name() + ": " + error.what());
    }
    ++count;
  }
  return count;
}

}  // namespace kernel
