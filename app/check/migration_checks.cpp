// The migrations runner's record (kernel/migrations.hpp: schema_migrations) against the
// migrations compiled into this build.

#include "module_checks.hpp"

#include <kernel/migrations.hpp>
#include <migrations/embedded.hpp>

#include <SQLiteCpp/Statement.h>

#include <map>

namespace mart::check {
namespace {

constexpr const char* kApplied =
    "SELECT version, name, checksum FROM schema_migrations WHERE scope = ? ORDER BY version";

struct Applied {
  std::string name;
  std::string checksum;
};

void check_scope(SQLite::Database& db, const std::string& module, const std::string& scope,
                 Report& report) {
  std::map<int, Applied> applied;
  SQLite::Statement select(db, kApplied);
  select.bind(1, scope);
  while (select.executeStep()) {
    applied[select.getColumn(0).getInt()] = {select.getColumn(1).getString(),
                                             select.getColumn(2).getString()};
  }
  auto known = migrations::for_scope(scope);
  for (const auto& migration : known) {
    auto subject = module + ".db " + scope + "/" + migration.name;
    auto it = applied.find(migration.version);
    if (it == applied.end()) {
      report.breach({invariant::kMigrationsMatch, module, subject, "not applied"});
      continue;
    }
    auto checksum = kernel::migration_checksum(migration.sql);
    if (it->second.checksum != checksum) {
      report.breach({invariant::kMigrationsMatch, module, subject,
                     "applied with checksum " + it->second.checksum.substr(0, 12) +
                         ", this build's text has " + checksum.substr(0, 12)});
    }
    applied.erase(it);
  }
  for (const auto& [version, record] : applied) {
    report.breach({invariant::kMigrationsMatch, module, module + ".db " + scope + "/" + record.name,
                   "applied but unknown to this build (written by a newer mart?)"});
  }
}

}  // namespace

void check_migrations(SQLite::Database& db, const std::string& module, Report& report) {
  report.checked(invariant::kMigrationsMatch);
  if (!db.tableExists("schema_migrations")) {
    report.breach({invariant::kMigrationsMatch, module, module + ".db", "no schema_migrations"});
    return;
  }
  check_scope(db, module, "eventbus", report);
  check_scope(db, module, module, report);
}

}  // namespace mart::check
