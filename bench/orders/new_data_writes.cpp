// What this machine charges for writing new data, as the five-minute run writes it (#18, "no sag
// as data grows"): the same fixed work, 4 KiB pages appended to one growing file with the write-
// back started every 2,000 pages and an fdatasync every 8,000 (as a checkpoint pass copies pages
// and syncs), then the same pages overwritten in place. For each 256 MiB it prints the CPU time
// per write (about two per page: the new one and a rewrite) of this thread and of the whole
// machine (/proc/stat), so a cost that rises with the data written shows as a step in the first
// pass and not in the second.
//
//   bench_new_data_writes FILE [GIB [DROP_BEHIND_MIB]]   (default 8 GiB; FILE is removed at the
//   end)
//
// With DROP_BEHIND_MIB, each fdatasync is followed by POSIX_FADV_DONTNEED for the pages written
// more than that far behind, so that the file's page cache stays bounded and its memory is given
// back to the machine's free pages as it grows: does new data then still cost more? (The second
// pass then rewrites pages that were dropped, not cached ones.)

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>

namespace {

constexpr long kPageBytes = 4096;
constexpr long kPagesPerRow = 256L * 1024 * 1024 / kPageBytes;
constexpr long kWriteBackEvery = 2000;
constexpr long kSyncEvery = 8000;

double thread_cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Busy time of all CPUs (everything but idle and iowait), in seconds.
double machine_busy_seconds() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  std::array<long long, 8> ticks{};
  stat >> cpu;
  for (auto& t : ticks) stat >> t;
  long long busy = 0;
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    if (i != 3 && i != 4) busy += ticks[i];  // idle, iowait
  }
  return static_cast<double>(busy) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// One pass over `pages` pages: each step writes page p (new data in the first pass) and
// rewrites one page a little behind it, as an index leaf being filled is written again.
// With drop_behind_pages > 0, the pages that far behind are dropped after each fdatasync.
// False when a write failed (the disk is full, say).
bool pass(int fd, long pages, long drop_behind_pages, const char* label) {
  std::array<char, kPageBytes> page{};
  page.fill('x');
  long dropped_through = 0;  // pages before this one were dropped already
  double thread_start = thread_cpu_seconds();
  double machine_start = machine_busy_seconds();
  long writes = 0;
  for (long p = 0; p < pages; ++p) {
    bool ok = ::pwrite(fd, page.data(), page.size(), p * kPageBytes) == kPageBytes;
    long behind = p - 1 - p % 64;
    if (behind >= 0) ok = ok && ::pwrite(fd, page.data(), page.size(), behind * kPageBytes) > 0;
    if (!ok) {
      std::perror("pwrite");
      return false;
    }
    writes += behind >= 0 ? 2 : 1;
    if (p % kWriteBackEvery == kWriteBackEvery - 1)
      ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
    if (p % kSyncEvery == kSyncEvery - 1) {
      ::fdatasync(fd);
      if (drop_behind_pages > 0 && p - drop_behind_pages > dropped_through) {
        // Only what was not dropped before: the call's cost stays the same as the file grows.
        ::posix_fadvise(fd, dropped_through * kPageBytes,
                        (p - drop_behind_pages - dropped_through) * kPageBytes,
                        POSIX_FADV_DONTNEED);
        dropped_through = p - drop_behind_pages;
      }
    }
    if (p % kPagesPerRow == kPagesPerRow - 1) {
      double thread_now = thread_cpu_seconds();
      double machine_now = machine_busy_seconds();
      std::printf("| %s | %ld | %.2f | %.2f |\n", label, (p + 1) / (1024 * 1024 / kPageBytes),
                  (thread_now - thread_start) / static_cast<double>(writes) * 1e6,
                  (machine_now - machine_start) / static_cast<double>(writes) * 1e6);
      std::fflush(stdout);
      thread_start = thread_now;
      machine_start = machine_now;
      writes = 0;
    }
  }
  ::fdatasync(fd);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [GIB [DROP_BEHIND_MIB]]\n", argv[0]);
    return 2;
  }
  long gib = argc > 2 ? std::atol(argv[2]) : 8;
  // 0: keep everything cached.
  long drop_behind_pages = argc > 3 ? std::atol(argv[3]) * 1024 * 1024 / kPageBytes : 0;
  int fd = ::open(argv[1], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror(argv[1]);
    return 1;
  }
  long pages = gib * 1024 * 1024 * 1024 / kPageBytes;
  std::printf("| pass | MiB written | this thread, µs per write | whole machine, µs per write |\n");
  std::printf("| --- | ---: | ---: | ---: |\n");
  bool ok = pass(fd, pages, drop_behind_pages, "new data") &&
            pass(fd, pages, drop_behind_pages, "the same pages again");
  ::close(fd);
  ::unlink(argv[1]);
  return ok ? 0 : 1;
}
