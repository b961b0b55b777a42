// LD_PRELOAD shim for the order-flow benchmark: counts SQLite transactions per thread and database
// file, so that the benchmark can report commits per second and events per commit without touching
// mart's code.
//
// mart opens and ends every write transaction with sqlite3_exec("BEGIN IMMEDIATE" / "COMMIT" /
// "ROLLBACK") (modules/kernel/src/database.cpp, through SQLiteCpp's Database::exec), so wrapping
// sqlite3_exec sees each one. Counters live in a file that the benchmark names with
// ORDERS_COMMIT_COUNTS and reads while mart runs (bench/orders/report.py commits FILE):
// kSlots records of {tid, begins, commits, rollbacks, file name[96]}, one per (thread, database).
// The cost is one relaxed atomic add per transaction. Without ORDERS_COMMIT_COUNTS it only
// forwards the call. For what-if experiments, ORDERS_SQLITE_PRAGMAS (see sqlite3_exec below)
// adds pragmas to every connection mart opens; the benchmark's own runs leave it unset.
//
// Build: cc -O2 -shared -fPIC -o commit_counter.so commit_counter.c -ldl -lsqlite3

#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef struct sqlite3 sqlite3;
typedef int (*exec_callback)(void*, int, char**, char**);
typedef int (*exec_fn)(sqlite3*, const char*, exec_callback, void*, char**);
typedef struct sqlite3_stmt sqlite3_stmt;
typedef int (*step_fn)(sqlite3_stmt*);
extern const char* sqlite3_db_filename(sqlite3*, const char*);
extern const char* sqlite3_sql(sqlite3_stmt*);
extern sqlite3* sqlite3_db_handle(sqlite3_stmt*);

enum { kSlots = 256, kNameBytes = 96, kCached = 8 };

struct Slot {
  int64_t tid;  // 0: free
  int64_t begins;
  int64_t commits;
  int64_t rollbacks;
  char file[kNameBytes];
};

static struct Slot* slots;
static exec_fn real_exec;
static step_fn real_step;

__attribute__((constructor)) static void open_counters(void) {
  real_exec = (exec_fn)dlsym(RTLD_NEXT, "sqlite3_exec");
  real_step = (step_fn)dlsym(RTLD_NEXT, "sqlite3_step");
  const char* path = getenv("ORDERS_COMMIT_COUNTS");
  if (path == NULL || path[0] == '\0') return;
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return;
  size_t bytes = sizeof(struct Slot) * kSlots;
  if (ftruncate(fd, (off_t)bytes) != 0) {
    close(fd);
    return;
  }
  void* memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (memory != MAP_FAILED) slots = (struct Slot*)memory;
}

static struct Slot* claim(sqlite3* db) {
  static __thread struct {
    sqlite3* db;
    struct Slot* slot;
  } cache[kCached];
  static __thread int used;
  for (int i = 0; i < used; ++i) {
    if (cache[i].db == db) return cache[i].slot;
  }
  int64_t tid = (int64_t)syscall(SYS_gettid);
  const char* file = sqlite3_db_filename(db, "main");
  const char* base = file ? strrchr(file, '/') : NULL;
  base = base ? base + 1 : (file ? file : "?");
  for (int i = 0; i < kSlots; ++i) {
    int64_t expected = 0;
    int64_t owner = __atomic_load_n(&slots[i].tid, __ATOMIC_ACQUIRE);
    if (owner == tid && strncmp(slots[i].file, base, kNameBytes - 1) == 0) {
      if (used < kCached) cache[used++] = (typeof(cache[0])){db, &slots[i]};
      return &slots[i];
    }
    if (owner != 0) continue;
    // Name first, then publish the tid (the reader skips slots whose tid is 0).
    if (__atomic_compare_exchange_n(&slots[i].tid, &expected, -1, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      strncpy(slots[i].file, base, kNameBytes - 1);
      __atomic_store_n(&slots[i].tid, tid, __ATOMIC_RELEASE);
      if (used < kCached) cache[used++] = (typeof(cache[0])){db, &slots[i]};
      return &slots[i];
    }
  }
  return NULL;
}

static int starts_with(const char* sql, const char* word) {
  while (*sql == ' ' || *sql == '\n' || *sql == '\t') ++sql;
  size_t n = strlen(word);
  return strncasecmp(sql, word, n) == 0 && (sql[n] == '\0' || sql[n] == ' ' || sql[n] == ';');
}

// Counts a transaction statement (BEGIN, COMMIT/END, ROLLBACK without TO) that succeeded.
static void count_transaction_statement(sqlite3* db, const char* sql) {
  int64_t* counter = NULL;
  struct Slot* slot = NULL;
  if (starts_with(sql, "BEGIN")) {
    slot = claim(db);
    if (slot) counter = &slot->begins;
  } else if (starts_with(sql, "COMMIT") || starts_with(sql, "END")) {
    slot = claim(db);
    if (slot) counter = &slot->commits;
  } else if (starts_with(sql, "ROLLBACK")) {  // "ROLLBACK TO x" of a savepoint is not one
    if (strcasestr(sql, " TO ") == NULL) {
      slot = claim(db);
      if (slot) counter = &slot->rollbacks;
    }
  }
  if (counter) __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

// mart prepares BEGIN, COMMIT and ROLLBACK once per connection and steps them.
int sqlite3_step(sqlite3_stmt* statement) {
  int rc = real_step(statement);
  if (slots == NULL || rc != 101 /* SQLITE_DONE */) return rc;
  const char* sql = sqlite3_sql(statement);
  if (sql == NULL) return rc;
  char first = (char)(sql[0] | 0x20);
  if (first == 'b' || first == 'c' || first == 'e' || first == 'r') {
    count_transaction_statement(sqlite3_db_handle(statement), sql);
  }
  return rc;
}

int sqlite3_exec(sqlite3* db, const char* sql, exec_callback callback, void* argument,
                 char** error) {
  int rc = real_exec(db, sql, callback, argument, error);
  // Experiments only: ORDERS_SQLITE_PRAGMAS="PRAGMA a=b; PRAGMA c=d" runs on every connection
  // right after mart's own "PRAGMA foreign_keys=ON", which it runs once per connection it opens.
  if (rc == 0 && sql != NULL && starts_with(sql, "PRAGMA") && strcasestr(sql, "foreign_keys")) {
    const char* extra = getenv("ORDERS_SQLITE_PRAGMAS");
    if (extra != NULL && extra[0] != '\0') real_exec(db, extra, NULL, NULL, NULL);
  }
  if (slots == NULL || sql == NULL || rc != 0) return rc;
  count_transaction_statement(db, sql);
  return rc;
}
