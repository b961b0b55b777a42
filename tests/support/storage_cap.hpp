#pragma once
// A full disk, for real, without one: SQLite's max_page_count caps a database's writer at the
// pages its file has now, so the next write that needs a page gets SQLITE_FULL from SQLite itself.

#include <kernel/database.hpp>

#include <string>

namespace mart::test {

inline void cap_at_current_size(kernel::Database& db) {
  db.with_writer([](kernel::Connection& c) {
    SQLite::Statement pages(c.raw(), "PRAGMA page_count");
    pages.executeStep();
    c.raw().exec("PRAGMA max_page_count = " + std::to_string(pages.getColumn(0).getInt64()));
  });
}

// Room again: SQLite's largest page count.
inline void lift_cap(kernel::Database& db) {
  db.with_writer([](kernel::Connection& c) { c.exec("PRAGMA max_page_count = 1073741823"); });
}

}  // namespace mart::test
