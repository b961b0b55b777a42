#include "temp_dir.hpp"

#include <kernel/database.hpp>

#include <doctest/doctest.h>

TEST_SUITE("kernel") {
  TEST_CASE("[Database] files open in WAL mode with foreign keys on") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    auto mode = db->with_writer([](kernel::Connection& c) {
      SQLite::Statement q(c.raw(), "PRAGMA journal_mode");
      q.executeStep();
      return q.getColumn(0).getString();
    });
    CHECK(mode == "wal");
    auto fk = db->read([](kernel::Connection& c) {
      SQLite::Statement q(c.raw(), "PRAGMA foreign_keys");
      q.executeStep();
      return q.getColumn(0).getInt();
    });
    CHECK(fk == 1);
  }

  TEST_CASE("[Database] a throwing write rolls back; readers see only commits") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER)"); });
    CHECK_THROWS(db->write([](kernel::Connection& c) {
      c.exec("INSERT INTO x VALUES (1)");
      throw std::runtime_error("no");
    }));
    db->write([](kernel::Connection& c) { c.exec("INSERT INTO x VALUES (2)"); });
    auto sum = db->read([](kernel::Connection& c) {
      auto& q = c.prepare("SELECT COALESCE(SUM(v), 0) FROM x");
      q.executeStep();
      return q.getColumn(0).getInt();
    });
    CHECK(sum == 2);
  }

  TEST_CASE("[Database] a cached statement whose last step failed serves its next use") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    static constexpr const char* kInsert = "INSERT INTO x VALUES (?)";
    db->write([](kernel::Connection& c) {
      c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)");
      auto& insert = c.prepare(kInsert);
      insert.bind(1, 1);
      insert.exec();
      // A handler's savepoint would catch this and go on with the next event.
      CHECK_THROWS(([&] {
        auto& again = c.prepare(kInsert);
        again.bind(1, 1);
        again.exec();
      }()));
      auto& next = c.prepare(kInsert);
      next.bind(1, 2);
      next.exec();
    });
    auto count = db->read([](kernel::Connection& c) {
      auto& q = c.prepare("SELECT COUNT(*) FROM x");
      q.executeStep();
      return q.getColumn(0).getInt();
    });
    CHECK(count == 2);
  }
}
