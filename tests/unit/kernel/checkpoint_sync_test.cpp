// A WAL catch-up whose sync fails must fail, and stop checkpoints: a catch-up that went on after
// a failed sync would restart the WAL over pages that may not be on the disk. This binary replaces
// fdatasync (SQLite's unix VFS calls it from the shared library, so the executable's definition is
// the one it gets) to fail a chosen call; it is its own test executable so that no other test
// runs with it.

#include "temp_dir.hpp"

#include <kernel/database.hpp>
#include <kernel/storage.hpp>

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <string>

namespace {

std::atomic<int> g_syncs{0};         // fdatasync calls on files since the last reset
std::atomic<int> g_fail_sync_at{0};  // the call that fails with EIO (1-based); 0: none

}  // namespace

// SQLite ignores a failed sync of a directory (it syncs one once, after creating a file in it):
// only syncs of files are counted and failed.
extern "C" int fdatasync(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ++g_syncs == g_fail_sync_at.load()) {
    errno = EIO;
    return -1;
  }
  return static_cast<int>(::syscall(SYS_fdatasync, fd));
}

namespace {

constexpr int kCatchUpFrames = 64;

// A database whose WAL is past the catch-up threshold, nothing of it checkpointed yet.
std::shared_ptr<kernel::Database> database_with_a_long_wal(const mart::test::TempDir& dir) {
  kernel::DatabaseOptions options;
  options.wal_catch_up_frames = kCatchUpFrames;
  auto db = kernel::Database::open("sync", dir.path() / "sync.db", options);
  db->write([](kernel::Connection& c) { c.exec("CREATE TABLE pages (body BLOB)"); });
  const std::string body(4 * 4096, 'p');
  for (int i = 0; i < kCatchUpFrames / 4 + 4; ++i) {
    db->write([&](kernel::Connection& c) {
      auto& insert = c.prepare("INSERT INTO pages VALUES (?)");
      insert.bindNoCopy(1, body.data(), static_cast<int>(body.size()));
      insert.exec();
    });
  }
  return db;
}

}  // namespace

TEST_CASE("[Database] a WAL catch-up fails as a storage failure when one of its syncs fails") {
  int syncs_of_a_catch_up = 0;
  {
    mart::test::TempDir dir;
    auto db = database_with_a_long_wal(dir);
    g_syncs = 0;
    auto result = db->checkpoint();
    syncs_of_a_catch_up = g_syncs;
    REQUIRE(result.caught_up);
  }
  // The pass's syncs: the WAL's before it copies, the database file's once it reached the end.
  CHECK(syncs_of_a_catch_up >= 2);
  for (int failing = 1; failing <= syncs_of_a_catch_up; ++failing) {
    CAPTURE(failing);
    mart::test::TempDir dir;
    auto db = database_with_a_long_wal(dir);
    g_syncs = 0;
    g_fail_sync_at = failing;
    CHECK_THROWS_AS(db->checkpoint(), kernel::StorageUnavailable);
    g_fail_sync_at = 0;
    CHECK(db->storage_failure() == kernel::StorageCause::io_error);
  }
}

TEST_CASE("[Database] after a failed sync, checkpoints stop and the WAL outlives the database") {
  // Pages copied before the failure may not be on the disk, and the next sync on the same file
  // would succeed (the error is reported once): copying on, or deleting the WAL at close, would
  // lose them. A new start copies every frame of the kept WAL again.
  mart::test::TempDir dir;
  {
    auto db = database_with_a_long_wal(dir);
    g_syncs = 0;
    g_fail_sync_at = 2;  // the database file's, at the pass's end
    CHECK_THROWS_AS(db->checkpoint(), kernel::StorageUnavailable);
    g_fail_sync_at = 0;
    CHECK(db->checkpoints_stopped());
    auto again = db->checkpoint();  // its syncs would succeed now
    CHECK_FALSE(again.caught_up);
    CHECK(again.copied_frames == 0);
  }
  auto wal = dir.path() / "sync.db-wal";
  REQUIRE(std::filesystem::exists(wal));
  CHECK(std::filesystem::file_size(wal) > 0);
  // The next start reads the kept WAL: every row is there.
  auto reopened = kernel::Database::open("sync", dir.path() / "sync.db");
  auto rows = reopened->read([](kernel::Connection& c) {
    auto& count = c.prepare("SELECT COUNT(*) FROM pages");
    count.executeStep();
    return count.getColumn(0).getInt();
  });
  CHECK(rows == kCatchUpFrames / 4 + 4);
}
