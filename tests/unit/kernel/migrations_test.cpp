#include "temp_dir.hpp"

#include <kernel/migrations.hpp>

#include <doctest/doctest.h>

namespace {

std::vector<kernel::Migration> sample() {
  return {{2, "0002_add_color.sql", "ALTER TABLE things ADD COLUMN color TEXT;"},
          {1, "0001_create_things.sql", "CREATE TABLE things (id INTEGER PRIMARY KEY);"}};
}

int count(kernel::Database& db, const char* sql) {
  return db.read([&](kernel::Connection& c) {
    SQLite::Statement q(c.raw(), sql);
    q.executeStep();
    return q.getColumn(0).getInt();
  });
}

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE("[Migrations] apply in version order once, recorded with checksums") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("things", dir.path() / "things.db");
    CHECK(kernel::apply_migrations(*db, "things", sample()) == 2);
    CHECK(count(*db, "SELECT COUNT(*) FROM schema_migrations WHERE scope = 'things'") == 2);
    db->write([](kernel::Connection& c) { c.exec("INSERT INTO things(color) VALUES ('red')"); });
    CHECK(kernel::apply_migrations(*db, "things", sample()) == 0);  // idempotent at restart
    auto reopened = kernel::Database::open("things", dir.path() / "things.db");
    CHECK(kernel::apply_migrations(*reopened, "things", sample()) == 0);
    CHECK(count(*reopened, "SELECT COUNT(*) FROM things") == 1);
  }

  TEST_CASE("[Migrations] an edited, already-applied migration stops start-up") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("things", dir.path() / "things.db");
    kernel::apply_migrations(*db, "things", sample());
    auto edited = sample();
    edited[1].sql = "CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT);";
    try {
      kernel::apply_migrations(*db, "things", edited);
      FAIL("edited migration accepted");
    } catch (const kernel::MigrationError& e) {
      CHECK(std::string(e.what()).find("0001_create_things.sql was edited") != std::string::npos);
    }
  }

  TEST_CASE("[Migrations] a database from a newer build is refused") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("things", dir.path() / "things.db");
    kernel::apply_migrations(*db, "things", sample());
    auto older = sample();
    older.erase(older.begin());  // this build only knows 0001
    CHECK_THROWS_AS(kernel::apply_migrations(*db, "things", older), kernel::MigrationError);
  }

  TEST_CASE("[Migrations] a failing migration leaves nothing half-applied") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("things", dir.path() / "things.db");
    auto broken = sample();
    broken.push_back({3, "0003_broken.sql", "CREATE TABLE extra (x); SELECT * FROM nowhere;"});
    CHECK_THROWS_AS(kernel::apply_migrations(*db, "things", broken), kernel::MigrationError);
    CHECK(count(*db, "SELECT COUNT(*) FROM schema_migrations") == 2);
    CHECK(count(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'extra'") == 0);
  }
}
