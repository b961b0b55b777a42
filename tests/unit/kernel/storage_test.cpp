// Storage that cannot take a write: SQLite's real SQLITE_FULL (a database at its page limit,
// PRAGMA max_page_count) and SQLITE_READONLY (PRAGMA query_only on the running writer) become a
// kernel::StorageUnavailable on every write path, noted on the Database until writes work again,
// and answered 503 with Retry-After.

#include "storage_cap.hpp"
#include "temp_dir.hpp"

#include <kernel/database.hpp>
#include <kernel/problem.hpp>
#include <kernel/storage.hpp>

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>

#include <future>
#include <string>

using mart::test::cap_at_current_size;
using mart::test::lift_cap;

namespace {

constexpr const char* kInsertBlob = "INSERT INTO x VALUES (randomblob(?))";

void insert_blob(kernel::Connection& c, int bytes) {
  auto& insert = c.prepare(kInsertBlob);
  insert.bind(1, bytes);
  insert.exec();
}

int count_rows(kernel::Database& db) {
  return db.read([](kernel::Connection& c) {
    auto& q = c.prepare("SELECT COUNT(*) FROM x");
    q.executeStep();
    return q.getColumn(0).getInt();
  });
}

std::optional<kernel::StorageCause> cause_of_write(kernel::Database& db) {
  try {
    db.write([](kernel::Connection& c) { insert_blob(c, 64 * 1024); });
  } catch (const kernel::StorageUnavailable& error) {
    CHECK(error.module() == "full");
    return error.cause();
  }
  return std::nullopt;
}

}  // namespace

TEST_SUITE("kernel") {
  TEST_CASE(
      "[Database] a write the disk has no room for is StorageUnavailable until there is room") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("full", dir.path() / "full.db");
    db->write([](kernel::Connection& c) {
      c.exec("CREATE TABLE x (v BLOB)");
      insert_blob(c, 100);
    });
    cap_at_current_size(*db);

    // Every write path: alone, grouped, queued.
    CHECK(cause_of_write(*db) == kernel::StorageCause::disk_full);
    CHECK_THROWS_AS(db->write_grouped([](kernel::Connection& c) { insert_blob(c, 64 * 1024); }),
                    kernel::StorageUnavailable);
    std::promise<std::exception_ptr> done;
    db->write_queued([](kernel::Connection& c) { insert_blob(c, 64 * 1024); },
                     [&](std::exception_ptr error) { done.set_value(error); });
    auto error = done.get_future().get();
    REQUIRE(error);
    CHECK_THROWS_AS(std::rethrow_exception(error), kernel::StorageUnavailable);
    CHECK(db->storage_failure() == kernel::StorageCause::disk_full);
    CHECK(count_rows(*db) == 1);  // reads go on, nothing committed was lost
    CHECK(db->recheck_storage() == kernel::StorageCause::disk_full);  // still no room

    lift_cap(*db);  // space returns
    SUBCASE("the recheck sees the room") {
      CHECK(db->recheck_storage() == std::nullopt);
      CHECK(db->storage_failure() == std::nullopt);
    }
    SUBCASE("the next write succeeds and clears it") {
      CHECK(cause_of_write(*db) == std::nullopt);
      CHECK(db->storage_failure() == std::nullopt);
      CHECK(count_rows(*db) == 2);
    }
  }

  TEST_CASE("[Database] a write refused as read-only is StorageUnavailable (read_only)") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("full", dir.path() / "ro.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v BLOB)"); });
    db->with_writer([](kernel::Connection& c) { c.exec("PRAGMA query_only = ON"); });
    CHECK(cause_of_write(*db) == kernel::StorageCause::read_only);
    CHECK(db->storage_failure() == kernel::StorageCause::read_only);
    db->with_writer([](kernel::Connection& c) { c.exec("PRAGMA query_only = OFF"); });
    CHECK(cause_of_write(*db) == std::nullopt);
    CHECK(db->storage_failure() == std::nullopt);
  }

  TEST_CASE("[Database] a handler's own error is not a storage failure") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("full", dir.path() / "plain.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v BLOB NOT NULL)"); });
    CHECK_THROWS_AS(db->write([](kernel::Connection& c) { c.exec("INSERT INTO x VALUES (NULL)"); }),
                    SQLite::Exception);
    CHECK(db->storage_failure() == std::nullopt);
  }

  TEST_CASE("[Problem] storage that cannot take a write answers 503 with Retry-After") {
    auto response = kernel::problem_for(
        std::make_exception_ptr(kernel::StorageUnavailable(
            "orders", kernel::StorageCause::disk_full, "database or disk is full in /secret/x")),
        "/api/v1/orders", "r1");
    CHECK(response.status == 503);
    CHECK(response.headers.get("Retry-After") == "10");
    CHECK(response.headers.get("Content-Type") == "application/problem+json");
    auto body = boost::json::parse(response.body);
    CHECK(body.at("type") == "urn:mart:problem:storage-unavailable");
    CHECK(body.at("status") == 503);
    CHECK(body.at("module") == "orders");
    CHECK(body.at("cause") == "disk_full");
    auto detail = std::string(body.at("detail").as_string());
    CHECK(detail.find("orders") != std::string::npos);
    CHECK(detail.find("disk_full") != std::string::npos);
    CHECK(response.body.find("/secret") == std::string::npos);  // SQLite's text is for the log
  }
}
