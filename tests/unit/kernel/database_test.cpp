#include "temp_dir.hpp"

#include <kernel/database.hpp>

#include <doctest/doctest.h>

#include <sqlite3.h>

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

constexpr const char* kInsertRow = "INSERT INTO x VALUES (?)";

int count_rows(kernel::Database& db) {
  return db.read([](kernel::Connection& c) {
    auto& q = c.prepare("SELECT COUNT(*) FROM x");
    q.executeStep();
    return q.getColumn(0).getInt();
  });
}

std::vector<int> all_rows(kernel::Database& db) {
  return db.read([](kernel::Connection& c) {
    std::vector<int> out;
    auto& q = c.prepare("SELECT v FROM x ORDER BY v");
    while (q.executeStep()) out.push_back(q.getColumn(0).getInt());
    return out;
  });
}

// Counts the transactions the writer connection commits.
std::shared_ptr<std::atomic<int>> count_commits(kernel::Database& db) {
  auto commits = std::make_shared<std::atomic<int>>(0);
  db.with_writer([&](kernel::Connection& c) {
    sqlite3_commit_hook(
        c.raw().getHandle(),
        [](void* counter) {
          ++*static_cast<std::atomic<int>*>(counter);
          return 0;
        },
        commits.get());
  });
  return commits;
}

void insert_row(kernel::Connection& c, int v) {
  auto& insert = c.prepare(kInsertRow);
  insert.bind(1, v);
  insert.exec();
}

// A thread that writes row 1 as the leader of a group and holds the writer for 200 ms, so that
// writes started meanwhile queue up and are written together by the next leader. Returns once it
// leads.
std::thread lead_a_slow_group(kernel::Database& db) {
  auto leading = std::make_shared<std::atomic<bool>>(false);
  std::thread leader([&db, leading] {
    db.write_grouped([&](kernel::Connection& c) {
      insert_row(c, 1);
      *leading = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    });
  });
  while (!*leading) std::this_thread::yield();
  return leader;
}

// Queues a write of row 1 that holds the request writer for 200 ms, so that writes queued
// meanwhile form the next group. Returns once the request writer runs it.
void queue_a_slow_write(kernel::Database& db, std::function<void(std::exception_ptr)> done) {
  auto running = std::make_shared<std::atomic<bool>>(false);
  db.write_queued(
      [running](kernel::Connection& c) {
        insert_row(c, 1);
        *running = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      },
      std::move(done));
  while (!*running) std::this_thread::yield();
}

}  // namespace

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

  TEST_CASE("[Database] a new database and its WAL files are private to their owner") {
    mart::test::TempDir dir;
    auto previous = ::umask(022);  // the usual umask: files would be world-readable
    {
      auto db = kernel::Database::open("private", dir.path() / "private.db");
      db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER)"); });
      for (const char* name : {"private.db", "private.db-wal", "private.db-shm"}) {
        struct stat info {};
        REQUIRE_MESSAGE(::stat((dir.path() / name).c_str(), &info) == 0, name);
        CHECK_MESSAGE((info.st_mode & 077) == 0, name);
      }
    }
    ::umask(previous);
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

  TEST_CASE("[Database] reads in a read scope share one connection and one snapshot") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) {
      c.exec("CREATE TABLE x (v INTEGER)");
      insert_row(c, 1);
    });
    auto connection_of_a_read = [&] { return db->read([](kernel::Connection& c) { return &c; }); };
    kernel::Connection* first = nullptr;
    {
      kernel::Database::ReadScope scope(*db);
      first = connection_of_a_read();
      CHECK(count_rows(*db) == 1);
      db->write([](kernel::Connection& c) { insert_row(c, 2); });
      CHECK(count_rows(*db) == 1);  // the snapshot of the scope's first read
      CHECK(connection_of_a_read() == first);
      std::thread other([&] { CHECK(count_rows(*db) == 2); });  // scopes are per thread
      other.join();
      auto in_transaction = db->read(
          [](kernel::Connection& c) { return sqlite3_get_autocommit(c.raw().getHandle()) == 0; });
      CHECK(in_transaction);
    }
    CHECK(count_rows(*db) == 2);
    CHECK(connection_of_a_read() == first);  // back in the pool (the last returned goes first)...
    db->read([](kernel::Connection& c) {
      CHECK(sqlite3_get_autocommit(c.raw().getHandle()) != 0);  // ...with its transaction ended
    });
  }

  TEST_CASE("[Database] read scopes nest: the innermost of a database serves its reads") {
    mart::test::TempDir dir;
    auto a = kernel::Database::open("a", dir.path() / "a.db");
    auto b = kernel::Database::open("b", dir.path() / "b.db");
    for (auto* db : {a.get(), b.get()}) {
      db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER)"); });
    }
    b->write([](kernel::Connection& c) { insert_row(c, 10); });  // b counts differently from a
    kernel::Database::ReadScope outer(*a);
    CHECK(count_rows(*a) == 0);
    CHECK(count_rows(*b) == 1);
    for (auto* db : {a.get(), b.get()}) db->write([](kernel::Connection& c) { insert_row(c, 1); });
    CHECK(count_rows(*a) == 0);  // the scope's snapshot
    CHECK(count_rows(*b) == 2);  // another database's reads are left alone
    {
      kernel::Database::ReadScope inner(*a);
      CHECK(count_rows(*a) == 1);  // the inner scope's own, later snapshot
      kernel::Database::ReadScope of_b(*b);
      CHECK(count_rows(*b) == 2);  // b's snapshot starts with this first read...
      b->write([](kernel::Connection& c) { insert_row(c, 2); });
      CHECK(count_rows(*a) == 1);  // a scope of another database is passed over
      CHECK(count_rows(*b) == 2);  // ...before the third row
    }
    CHECK(count_rows(*a) == 0);  // the outer scope's snapshot again
    CHECK(count_rows(*b) == 3);
  }

  TEST_CASE("[Database] a read scope of an in-memory database changes nothing") {
    auto db = kernel::Database::open_in_memory("t");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER)"); });
    kernel::Database::ReadScope scope(*db);
    db->write([](kernel::Connection& c) { insert_row(c, 1); });
    CHECK(count_rows(*db) == 1);  // readers share the writer: no snapshot to keep
  }

  TEST_CASE("[Database] a cached statement whose last step failed serves its next use") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) {
      c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)");
      insert_row(c, 1);
      // A handler's savepoint would catch this and go on with the next event.
      CHECK_THROWS(insert_row(c, 1));
      insert_row(c, 2);  // the same cached statement
    });
    CHECK(count_rows(*db) == 2);
  }

  TEST_CASE("[Database] concurrent grouped writes share commits and all land") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)"); });
    auto commits = count_commits(*db);
    constexpr int kThreads = 8;
    constexpr int kEach = 100;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          auto v = t * kEach + i;
          auto back = db->write_grouped([&](kernel::Connection& c) {
            insert_row(c, v);
            // Long enough that the other threads queue behind this group.
            if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            return v;
          });
          CHECK(back == v);
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(count_rows(*db) == kThreads * kEach);
    CHECK(commits->load() < kThreads * kEach);
  }

  TEST_CASE("[Database] a throwing grouped write undoes only itself and fails only its caller") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)"); });
    auto commits = count_commits(*db);
    auto leader = lead_a_slow_group(*db);
    std::atomic<int> failed{0};
    std::vector<std::thread> others;
    for (int v = 2; v <= 5; ++v) {
      others.emplace_back([&, v] {
        try {
          db->write_grouped([&](kernel::Connection& c) {
            insert_row(c, v);
            if (v == 3) throw std::runtime_error("no");
          });
        } catch (const std::runtime_error&) {
          ++failed;
        }
      });
    }
    leader.join();
    for (auto& t : others) t.join();
    CHECK(failed == 1);
    CHECK(all_rows(*db) == std::vector<int>{1, 2, 4, 5});
    CHECK(commits->load() == 2);  // the leader's, then the four others' together
  }

  TEST_CASE("[Database] a grouped write may leave a statement mid-step") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)"); });
    auto leader = lead_a_slow_group(*db);
    // Both queue behind the leader and are written as one group, each in a savepoint.
    auto returning = [&](int v) {
      return db->write_grouped([&](kernel::Connection& c) {
        auto& insert = c.prepare("INSERT INTO x VALUES (?) RETURNING v");
        insert.bind(1, v);
        insert.executeStep();  // one row read; the statement is not run to its end
        return insert.getColumn(0).getInt();
      });
    };
    int second = 0;
    int third = 0;
    std::thread a([&] { second = returning(2); });
    std::thread b([&] { third = returning(3); });
    leader.join();
    a.join();
    b.join();
    CHECK(second == 2);
    CHECK(third == 3);
    CHECK(count_rows(*db) == 3);
  }

  TEST_CASE("[Database] queued writes return at once and are committed together") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)"); });
    auto commits = count_commits(*db);
    // The ones queued behind the slow first write (without waiting: this thread goes on) are
    // written as the next group.
    std::mutex seen_mutex;
    std::vector<std::pair<int, int>> seen;  // value, rows a reader saw when its done ran
    auto done_for = [&](int v) {
      return [&, v](const std::exception_ptr& error) {
        CHECK_FALSE(error);
        auto rows = count_rows(*db);  // a reader: the commit is visible by now
        std::lock_guard lock(seen_mutex);
        seen.emplace_back(v, rows);
      };
    };
    queue_a_slow_write(*db, done_for(1));
    auto queued_at = std::chrono::steady_clock::now();
    for (int v = 2; v <= 6; ++v) {
      db->write_queued([v](kernel::Connection& c) { insert_row(c, v); }, done_for(v));
    }
    CHECK(std::chrono::steady_clock::now() - queued_at < std::chrono::milliseconds(100));
    db->drain_queued();
    CHECK(count_rows(*db) == 6);
    CHECK(commits->load() == 2);  // the first write's, then the five others' together
    std::lock_guard lock(seen_mutex);
    REQUIRE(seen.size() == 6);
    CHECK(seen[0] == std::pair{1, 1});
    for (std::size_t i = 1; i < seen.size(); ++i) {
      CHECK(seen[i].first == static_cast<int>(i) + 1);
      CHECK(seen[i].second == 6);
    }
  }

  TEST_CASE(
      "[Database] after a small group the request writer lingers, so the next ones share "
      "a commit") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open(
        "t", dir.path() / "t.db",
        kernel::DatabaseOptions{.request_linger = std::chrono::milliseconds(300)});
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)"); });
    auto commits = count_commits(*db);
    std::atomic<int> done{0};
    auto count = [&](const std::exception_ptr& error) {
      CHECK_FALSE(error);
      ++done;
    };
    db->write_queued([](kernel::Connection& c) { insert_row(c, 1); }, count);
    while (done.load() < 1) std::this_thread::yield();
    // Spaced out so that a writer that does not linger takes each alone (4 commits), and one that
    // lingers before answering instead of after takes write 2 alone as well (3 commits).
    for (int v = 2; v <= 4; ++v) {
      db->write_queued([v](kernel::Connection& c) { insert_row(c, v); }, count);
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    db->drain_queued();
    CHECK(done.load() == 4);
    CHECK(all_rows(*db) == std::vector<int>{1, 2, 3, 4});
    CHECK(commits->load() == 2);  // the first alone, then the three queued during the linger
  }

  TEST_CASE("[Database] a throwing queued write undoes only itself and fails only its own done") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)"); });
    std::atomic<int> failed{0};
    std::atomic<int> succeeded{0};
    auto done = [&](const std::exception_ptr& error) { ++(error ? failed : succeeded); };
    queue_a_slow_write(*db, done);
    for (int v = 2; v <= 5; ++v) {
      db->write_queued(
          [v](kernel::Connection& c) {
            insert_row(c, v);
            if (v == 3) throw std::runtime_error("no");
          },
          done);
    }
    // A write that breaks a constraint fails alone too (its statement error is its own).
    db->write_queued([](kernel::Connection& c) { insert_row(c, 2); }, done);
    db->drain_queued();
    CHECK(failed == 2);
    CHECK(succeeded == 4);
    CHECK(all_rows(*db) == std::vector<int>{1, 2, 4, 5});
  }

  TEST_CASE("[Database] a queued group takes savepoints only after one of its writes failed") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)"); });
    auto savepoints = std::make_shared<std::atomic<int>>(0);
    db->with_writer([&](kernel::Connection& c) {
      sqlite3_trace_v2(
          c.raw().getHandle(), SQLITE_TRACE_STMT,
          [](unsigned, void* counter, void*, void* sql) {
            if (std::string_view(static_cast<const char*>(sql)).starts_with("SAVEPOINT")) {
              ++*static_cast<std::atomic<int>*>(counter);
            }
            return 0;
          },
          savepoints.get());
    });
    std::atomic<int> runs{0};
    std::atomic<int> failed{0};
    auto done = [&](const std::exception_ptr& error) {
      if (error) ++failed;
    };
    auto queue_group = [&](int first, int failing) {
      queue_a_slow_write(*db, done);
      for (int v = first; v < first + 4; ++v) {
        db->write_queued(
            [&, v, failing](kernel::Connection& c) {
              ++runs;
              insert_row(c, v);
              if (v == failing) throw std::runtime_error("no");
            },
            done);
      }
      db->drain_queued();
      db->write([](kernel::Connection& c) { c.exec("DELETE FROM x WHERE v = 1"); });
    };

    queue_group(10, 0);  // every write succeeds
    CHECK(runs == 4);
    CHECK(*savepoints == 0);
    CHECK(failed == 0);

    runs = 0;
    queue_group(20, 21);  // the second write throws: the group is written again, in savepoints
    CHECK(runs == 6);     // 20 and 21 until it threw, then all four
    CHECK(*savepoints == 4);
    CHECK(failed == 1);
    CHECK(all_rows(*db) == std::vector<int>{10, 11, 12, 13, 20, 22, 23});
  }

  TEST_CASE("[Database] the request writer starts again after a drain; closing drains it") {
    mart::test::TempDir dir;
    std::atomic<int> done_count{0};
    {
      auto db = kernel::Database::open("t", dir.path() / "t.db");
      db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)"); });
      db->write_queued([](kernel::Connection& c) { insert_row(c, 1); },
                       [&](const std::exception_ptr&) { ++done_count; });
      db->drain_queued();
      db->write_queued([](kernel::Connection& c) { insert_row(c, 2); },
                       [&](const std::exception_ptr&) { ++done_count; });
    }  // the destructor writes what is queued
    CHECK(done_count == 2);
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    CHECK(count_rows(*db) == 2);
  }

  TEST_CASE("[Database] a write queued while a drain waits is written, and the drain returns") {
    mart::test::TempDir dir;
    auto db = kernel::Database::open("t", dir.path() / "t.db");
    db->write([](kernel::Connection& c) { c.exec("CREATE TABLE x (v INTEGER PRIMARY KEY)"); });
    std::atomic<int> done_count{0};
    auto count = [&](const std::exception_ptr&) { ++done_count; };
    queue_a_slow_write(*db, count);
    std::thread drain([&] { db->drain_queued(); });  // waits for the slow write
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    db->write_queued([](kernel::Connection& c) { insert_row(c, 2); }, count);  // a new writer
    drain.join();
    db->drain_queued();
    CHECK(done_count == 2);
    CHECK(all_rows(*db) == std::vector<int>{1, 2});
  }

  TEST_CASE("[Database] the WAL stays bounded while writers never pause") {
    // Writes go on without a break while another thread checkpoints, as under steady load: a
    // checkpoint alone never reaches the WAL's end, so the WAL never restarts and grows with
    // every write; the catch-up (wal_catch_up_frames) holds the writers to copy the rest.
    auto wal_bytes_after_busy_writes = [](int catch_up_frames) {
      mart::test::TempDir dir;
      kernel::DatabaseOptions options;
      options.wal_catch_up_frames = catch_up_frames;
      auto db = kernel::Database::open("wal", dir.path() / "wal.db", options);
      db->write([](kernel::Connection& c) { c.exec("CREATE TABLE pages (body BLOB)"); });
      std::atomic<bool> writing{true};
      std::thread checkpoints([&] {
        while (writing) {
          db->checkpoint();
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      });
      const std::string body(3 * 4096, 'p');  // three pages a write, as an order's rows dirty
      for (int i = 0; i < 16000; ++i) {       // 190+ MB written through the WAL
        db->write([&](kernel::Connection& c) {
          auto& insert = c.prepare("INSERT INTO pages VALUES (?)");
          insert.bindNoCopy(1, body.data(), static_cast<int>(body.size()));
          insert.exec();
        });
      }
      writing = false;
      checkpoints.join();
      return std::filesystem::file_size(dir.path() / "wal.db-wal");
    };
    // Without the catch-up the writes leave about 340 MB of WAL. With it, catch-ups of 1 MB each,
    // plus what comes in while the checkpointing thread waits for a CPU or a slow fsync: 20-30 MB
    // on an idle machine; while the whole test suite ran in parallel, up to 98 MB, and 178 MB
    // once commits became quicker (one write per commit, #18).
    // Under a parallel suite on 2 CPUs the checkpointing thread can also go without a CPU (or,
    // before the catch-up took the write lock first, without the lock, which this writer takes
    // again at once) for most of a run: 280 MB once. So the bound must hold in one of three
    // runs; without the catch-up no run is near it.
    constexpr std::uintmax_t kBound = 240 << 20;
    auto smallest = wal_bytes_after_busy_writes(256);
    for (int run = 1; run < 3 && smallest >= kBound; ++run) {
      smallest = std::min(smallest, wal_bytes_after_busy_writes(256));
    }
    MESSAGE("the smallest WAL left with the catch-up: " << (smallest >> 20) << " MiB");
    CHECK(smallest < kBound);
    // Without the catch-up, the same writes leave a WAL many times that size (so the check above
    // can fail).
    CHECK(wal_bytes_after_busy_writes(std::numeric_limits<int>::max()) > kBound);
  }

  TEST_CASE("[Database] a checkpointed database closes every file it opened") {
    // The checkpointer keeps a handle of its own on the database file (to start the write-back
    // of what it copies); it must close with the database, or every open and close leaks one.
    auto open_files = [] {
      return std::distance(std::filesystem::directory_iterator("/proc/self/fd"),
                           std::filesystem::directory_iterator());
    };
    mart::test::TempDir dir;
    const auto before = open_files();
    for (int i = 0; i < 3; ++i) {
      auto db = kernel::Database::open("files", dir.path() / "files.db");
      db->write([&](kernel::Connection& c) {
        c.exec("CREATE TABLE IF NOT EXISTS x (v INTEGER)");
        insert_row(c, i);
      });
      db->checkpoint();
      CHECK(count_rows(*db) == i + 1);
    }
    CHECK(open_files() == before);
  }
}
