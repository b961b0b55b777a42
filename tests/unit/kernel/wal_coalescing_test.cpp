#include "temp_dir.hpp"

#include <kernel/database.hpp>
#include <kernel/wal_coalescing.hpp>

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

namespace {

constexpr const char* kInsertBlob = "INSERT INTO x (v, blob) VALUES (?, zeroblob(?))";

void create_table(kernel::Database& db) {
  db.write([](kernel::Connection& c) {
    c.exec("CREATE TABLE IF NOT EXISTS x (v INTEGER PRIMARY KEY, blob BLOB)");
  });
}

// Rows of 1 KiB: a few per page, so a transaction of them dirties many pages.
void insert_rows(kernel::Connection& c, int first, int count) {
  for (int v = first; v < first + count; ++v) {
    auto& insert = c.prepare(kInsertBlob);
    insert.bind(1, v);
    insert.bind(2, 1024);
    insert.exec();
  }
}

// Reads through SQLite's default VFS on a connection of its own: what is in the files, not in
// any buffer of the writer's.
struct PlainReader {
  explicit PlainReader(const std::filesystem::path& file) {
    REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  }
  ~PlainReader() { sqlite3_close(db); }
  PlainReader(const PlainReader&) = delete;
  PlainReader& operator=(const PlainReader&) = delete;

  std::string text(const char* sql) {
    sqlite3_stmt* statement = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(statement) == SQLITE_ROW) {
      const auto* value = sqlite3_column_text(statement, 0);
      out = value ? reinterpret_cast<const char*>(value) : "";
    }
    sqlite3_finalize(statement);
    return out;
  }
  int count() { return std::stoi(text("SELECT COUNT(*) FROM x")); }

  sqlite3* db = nullptr;
};

// The file holds `rows` rows and passes SQLite's integrity check, read through the default VFS.
void check_whole(const std::filesystem::path& file, int rows) {
  PlainReader reader(file);
  CHECK(reader.count() == rows);
  CHECK(reader.text("PRAGMA integrity_check") == "ok");
}

// Runs `work` on a database of its own in a child process that then ends without closing
// anything (no destructor, no close: whatever a buffer still held is lost), as a crash right after
// its last COMMIT returned would.
void in_child_that_dies(const std::filesystem::path& file,
                        const std::function<void(kernel::Database&)>& work) {
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      auto db = kernel::Database::open("x", file, {});
      create_table(*db);
      work(*db);
      _exit(0);  // here, while `db` is still open
    } catch (...) {
      _exit(1);  // not into the test runner, which the child shares
    }
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

std::int64_t wal_bytes(const std::filesystem::path& file) {
  auto wal = file;
  wal += "-wal";
  return static_cast<std::int64_t>(std::filesystem::file_size(wal));
}

}  // namespace

TEST_CASE("a commit's WAL frames reach the file in one write, before COMMIT returns") {
  for (bool synchronous_full : {false, true}) {
    CAPTURE(synchronous_full);
    mart::test::TempDir dir;
    auto file = dir.path() / "x.db";
    kernel::DatabaseOptions options;
    options.synchronous_full = synchronous_full;
    auto db = kernel::Database::open("x", file, options);
    create_table(*db);
    auto wal_before = wal_bytes(file);

    auto writes_before = kernel::wal_coalescing::wal_writes();
    db->write([](kernel::Connection& c) { insert_rows(c, 0, 40); });
    auto writes = kernel::wal_coalescing::wal_writes() - writes_before;

    // 40 KiB of rows: at least ten 4 KiB pages, which SQLite writes as twenty calls.
    auto frames = (wal_bytes(file) - wal_before) / (4096 + 24);
    CHECK(frames >= 10);
    CHECK(writes == 1);
    PlainReader reader(file);
    CHECK(reader.count() == 40);
  }
}

TEST_CASE("a commit larger than the wrapped VFS's longest write is written in pieces") {
  mart::test::TempDir dir;
  auto file = dir.path() / "x.db";
  auto db = kernel::Database::open("x", file, {});
  create_table(*db);
  auto writes_before = kernel::wal_coalescing::wal_writes();
  // About 2.5 MiB of frames: the unix VFS takes at most 128 KiB - 1 per write.
  db->write([](kernel::Connection& c) { insert_rows(c, 0, 2000); });
  auto writes = kernel::wal_coalescing::wal_writes() - writes_before;
  CHECK(writes >= 20);
  CHECK(writes <= 40);
  check_whole(file, 2000);
}

TEST_CASE("a process that dies right after its commits returned keeps every one of them") {
  mart::test::TempDir dir;
  auto file = dir.path() / "x.db";
  in_child_that_dies(file, [](kernel::Database& db) {
    for (int i = 0; i < 50; ++i) {
      db.write([&](kernel::Connection& c) { insert_rows(c, i * 3, 3); });
    }
  });
  check_whole(file, 150);
}

TEST_CASE("a spilled transaction whose frames SQLite re-checksums at commit survives a crash") {
  // A page changed again after it spilled is overwritten in its frame, and at commit SQLite
  // rewrites the checksums from there on: its last write is the commit frame's header again.
  mart::test::TempDir dir;
  auto file = dir.path() / "x.db";
  in_child_that_dies(file, [](kernel::Database& db) {
    db.with_writer([](kernel::Connection& c) { c.exec("PRAGMA cache_size=8"); });
    db.write([](kernel::Connection& c) {
      insert_rows(c, 0, 400);
      c.exec("UPDATE x SET blob = zeroblob(1000) WHERE v < 20");
    });
  });
  check_whole(file, 400);
  PlainReader reader(file);
  CHECK(reader.text("SELECT COUNT(*) FROM x WHERE length(blob) = 1000") == "20");
}

TEST_CASE("frames of a rolled-back transaction that spilled do not survive or corrupt") {
  mart::test::TempDir dir;
  auto file = dir.path() / "x.db";
  {
    auto db = kernel::Database::open("x", file, {});
    create_table(*db);
    db->with_writer([](kernel::Connection& c) { c.exec("PRAGMA cache_size=8"); });
    db->write([](kernel::Connection& c) { insert_rows(c, 0, 10); });
    // Far more dirty pages than the cache holds: SQLite writes frames before the commit.
    CHECK_THROWS(db->write([](kernel::Connection& c) {
      auto writes_before = kernel::wal_coalescing::wal_writes();
      insert_rows(c, 1000, 1000);
      CHECK(kernel::wal_coalescing::wal_writes() > writes_before);  // it did spill
      throw std::runtime_error("rolled back");
    }));
    db->write([](kernel::Connection& c) { insert_rows(c, 10, 10); });
    // A checkpoint that truncates the WAL, then more commits into the restarted WAL.
    db->with_writer([](kernel::Connection& c) { c.exec("PRAGMA wal_checkpoint(TRUNCATE)"); });
    CHECK(wal_bytes(file) == 0);
    db->write([](kernel::Connection& c) { insert_rows(c, 20, 10); });
    PlainReader reader(file);
    CHECK(reader.count() == 30);
  }
  check_whole(file, 30);
}
