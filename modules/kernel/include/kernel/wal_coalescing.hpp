#pragma once
// A SQLite VFS that writes a commit's WAL frames in one system call instead of two per frame.
// Every module's connections open their database through it (Database::connect).

#include <cstdint>

namespace kernel::wal_coalescing {

// The VFS's name for sqlite3_open_v2, registered on first use (thread-safe). It wraps the
// default VFS; only files SQLite opens as a WAL are buffered, the others pass straight through.
const char* vfs_name();

// Writes to WAL files that reached the wrapped VFS since the process started (tests, benchmarks).
std::uint64_t wal_writes();

}  // namespace kernel::wal_coalescing
