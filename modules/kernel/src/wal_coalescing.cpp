#include "kernel/wal_coalescing.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <new>
#include <vector>

// SQLite 3.40 writes each WAL frame with two calls of its VFS (the 24-byte frame header, then
// the page), so a commit that dirties N pages costs 2N pwrite calls, and on a virtual machine
// every system call also pays the hypervisor's path. This VFS keeps a WAL file's consecutive
// writes in memory and hands them to the wrapped VFS as one write:
// - when the commit's last frame is complete (the header SQLite wrote before its page carries the
//   database size, which only a commit frame does), inside that xWrite, so that a failed write
//   fails the commit. SQLite publishes a commit in the shared wal-index only after that, so no
//   reader, checkpoint or recovery can see a frame that is not yet in the file;
// - before anything else touches the file (read, sync, truncate, size, locks, file controls,
//   close), and before a write that does not follow the buffered ones.
// Only appends are buffered: a write below the end of what was appended (a page overwritten in
// its own transaction, a header SQLite re-checksums at commit) goes through at once.
// A process that dies with frames in the buffer loses only a transaction that had not committed,
// as with SQLite's own writes. With synchronous=FULL, SQLite syncs the WAL at commit, and the
// buffer is written before the sync.

namespace kernel::wal_coalescing {
namespace {

constexpr const char* kName = "mart-wal-coalescing";
constexpr int kFrameHeaderBytes = 24;
// The unix VFS writes at most 128 KiB - 1 per call: it masks the length with 0x1ffff
// (seekAndWriteFd), so a longer write loses its high bits and fails as SQLITE_FULL. Larger
// commits (a migration, a long delivery batch) are written in pieces of this size.
constexpr std::size_t kBufferBytes = 0x1ffff;

std::atomic<std::uint64_t> wal_write_calls{0};
sqlite3_vfs* wrapped = nullptr;

struct WalFile {
  sqlite3_file base;   // first: SQLite sees a WalFile as its sqlite3_file
  sqlite3_file* real;  // the wrapped VFS's file, in the same allocation after this struct
  std::vector<unsigned char> pending;
  sqlite3_int64 pending_offset = 0;
  sqlite3_int64 log_end = 0;  // the end of what was appended since the log (re)started
  // Without powersafe overwrite SQLite pads a commit to a sector and syncs in the middle of a
  // frame, writing the rest after the sync: such a file is not buffered at all.
  bool buffered = true;
  bool commit_header_written = false;  // the next write is the page of a commit frame
};

constexpr std::size_t kRealFileOffset = (sizeof(WalFile) + 15) & ~std::size_t{15};

WalFile& wal(sqlite3_file* file) {
  return *reinterpret_cast<WalFile*>(file);
}
sqlite3_file* real(sqlite3_file* file) {
  return wal(file).real;
}

int flush(WalFile& f) {
  if (f.pending.empty()) return SQLITE_OK;
  int rc = f.real->pMethods->xWrite(f.real, f.pending.data(), static_cast<int>(f.pending.size()),
                                    f.pending_offset);
  wal_write_calls.fetch_add(1, std::memory_order_relaxed);
  // On failure SQLite abandons the transaction these frames belonged to: none is published.
  f.pending.clear();
  return rc;
}

int flush(sqlite3_file* file) {
  return flush(wal(file));
}

// Bytes 4..7 of a frame header: the database's size in pages after a commit frame, else zero.
bool is_commit_frame_header(const void* data, int amount) {
  if (amount != kFrameHeaderBytes) return false;
  const auto* bytes = static_cast<const unsigned char*>(data);
  return (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
}

// Writes at once, after what is buffered.
int write_through(WalFile& f, const void* data, int amount, sqlite3_int64 offset) {
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  wal_write_calls.fetch_add(1, std::memory_order_relaxed);
  return f.real->pMethods->xWrite(f.real, data, amount, offset);
}

int wal_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  auto& f = wal(file);
  auto size = static_cast<std::size_t>(amount);
  if (offset == 0) f.log_end = 0;  // SQLite writes the WAL's header as it starts the log again
  if (!f.buffered) return write_through(f, data, amount, offset);
  if (offset < f.log_end) {
    // An overwrite, not an append: a page changed again after its transaction spilled it, or a
    // frame header whose checksum SQLite rewrites at commit (walRewriteChecksums). The last of
    // those is the commit frame's header, with nothing after it to flush it.
    f.commit_header_written = false;
    return write_through(f, data, amount, offset);
  }
  f.log_end = offset + amount;
  bool follows = f.pending_offset + static_cast<sqlite3_int64>(f.pending.size()) == offset;
  if (!f.pending.empty() && (!follows || f.pending.size() + size > kBufferBytes)) {
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
  }
  bool ends_commit = f.commit_header_written;
  f.commit_header_written = is_commit_frame_header(data, amount);
  if (size > kBufferBytes) return write_through(f, data, amount, offset);
  if (f.pending.empty()) {
    if (f.pending.capacity() == 0) f.pending.reserve(kBufferBytes);
    f.pending_offset = offset;
  }
  const auto* bytes = static_cast<const unsigned char*>(data);
  f.pending.insert(f.pending.end(), bytes, bytes + size);
  return ends_commit ? flush(f) : SQLITE_OK;
}

int wal_close(sqlite3_file* file) {
  auto& f = wal(file);
  int flushed = flush(f);
  int rc = f.real->pMethods->xClose(f.real);
  f.~WalFile();
  return flushed != SQLITE_OK ? flushed : rc;
}

// A method of the wrapped file, called as it is.
template <auto Method, class Result, class... Args>
Result forward(sqlite3_file* file, Args... args) {
  return (real(file)->pMethods->*Method)(real(file), args...);
}

// The same after the buffer is written: for what reads, syncs, sizes, locks or controls the file.
template <auto Method, class... Args>
int flush_then(sqlite3_file* file, Args... args) {
  if (int rc = flush(file); rc != SQLITE_OK) return rc;
  return forward<Method, int>(file, args...);
}

// SQLite keeps the shared memory on the database file, not the WAL: the xShm methods are only
// forwarded.
const sqlite3_io_methods kWalMethods = {
    .iVersion = 3,
    .xClose = wal_close,
    .xRead = flush_then<&sqlite3_io_methods::xRead>,
    .xWrite = wal_write,
    .xTruncate = flush_then<&sqlite3_io_methods::xTruncate>,
    .xSync = flush_then<&sqlite3_io_methods::xSync>,
    .xFileSize = flush_then<&sqlite3_io_methods::xFileSize>,
    .xLock = flush_then<&sqlite3_io_methods::xLock>,
    .xUnlock = flush_then<&sqlite3_io_methods::xUnlock>,
    .xCheckReservedLock = forward<&sqlite3_io_methods::xCheckReservedLock>,
    .xFileControl = flush_then<&sqlite3_io_methods::xFileControl>,
    .xSectorSize = forward<&sqlite3_io_methods::xSectorSize>,
    .xDeviceCharacteristics = forward<&sqlite3_io_methods::xDeviceCharacteristics>,
    .xShmMap = forward<&sqlite3_io_methods::xShmMap>,
    .xShmLock = forward<&sqlite3_io_methods::xShmLock>,
    .xShmBarrier = forward<&sqlite3_io_methods::xShmBarrier>,
    .xShmUnmap = forward<&sqlite3_io_methods::xShmUnmap>,
    .xFetch = flush_then<&sqlite3_io_methods::xFetch>,
    .xUnfetch = forward<&sqlite3_io_methods::xUnfetch>,
};

int wal_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  if ((flags & SQLITE_OPEN_WAL) == 0) {
    // Not a WAL: the wrapped VFS's file takes the whole allocation and its own methods.
    return wrapped->xOpen(wrapped, name, file, flags, out_flags);
  }
  auto* f = new (file) WalFile{};
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kRealFileOffset);
  int rc = wrapped->xOpen(wrapped, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || f->real->pMethods == nullptr) {
    f->~WalFile();
    file->pMethods = nullptr;  // SQLite closes nothing that did not open
    return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
  }
  // The wrapped VFS's methods must have what kWalMethods forwards to.
  if (f->real->pMethods->iVersion < 3) {
    f->real->pMethods->xClose(f->real);
    f->~WalFile();
    file->pMethods = nullptr;
    return SQLITE_CANTOPEN;
  }
  f->buffered =
      (f->real->pMethods->xDeviceCharacteristics(f->real) & SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
  f->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

const char* register_vfs() {
  wrapped = sqlite3_vfs_find(nullptr);
  // A copy of the default VFS (its pAppData too: the unix VFS reads its locking style there)
  // with a larger file object and its own xOpen.
  static sqlite3_vfs vfs = *wrapped;
  vfs.pNext = nullptr;
  vfs.zName = kName;
  vfs.szOsFile = static_cast<int>(kRealFileOffset) + wrapped->szOsFile;
  vfs.xOpen = wal_open;
  // Should registering fail, the empty name opens connections on the default VFS.
  if (sqlite3_vfs_register(&vfs, 0) != SQLITE_OK) return "";
  return kName;
}

}  // namespace

const char* vfs_name() {
  static const char* name = register_vfs();
  return name;
}

std::uint64_t wal_writes() {
  return wal_write_calls.load(std::memory_order_relaxed);
}

}  // namespace kernel::wal_coalescing
