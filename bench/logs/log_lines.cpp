// The cost of a business-decision log line (kernel::log::decision) as the order flow writes
// them: THREADS threads each write LINES lines to stdout (redirect it to a file). Prints the
// wall time and the process's CPU time per line, which is what a line costs the order flow.

#include <kernel/log.hpp>

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

long from_env(const char* name, long fallback) {
  const char* text = std::getenv(name);
  return text ? std::strtol(text, nullptr, 10) : fallback;
}

}  // namespace

int main() {
  const long threads = from_env("THREADS", 2);
  const long lines = from_env("LINES", 200'000);
  kernel::log::set_level(kernel::log::Level::info);
  const auto started = std::chrono::steady_clock::now();
  const double cpu_before = cpu_seconds();
  std::vector<std::thread> writers;
  for (long t = 0; t < threads; ++t) {
    writers.emplace_back([lines, t] {
      for (long i = 0; i < lines; ++i) {
        kernel::log::decision("inventory", "stock reserved", "01a2438c-495d-7712-9367-1ee3e42336a9",
                              {{"order_id", boost::json::value(t * lines + i)}});
      }
    });
  }
  for (auto& writer : writers) writer.join();
  kernel::log::flush();
  const double cpu = cpu_seconds() - cpu_before;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double total = static_cast<double>(threads * lines);
  std::fprintf(stderr, "%.0f lines from %ld threads: wall %.3f s, %.0f ns CPU per line\n", total,
               threads, wall, cpu / total * 1e9);
  return 0;
}
