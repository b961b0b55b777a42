#include "kernel/log.hpp"

#include "kernel/time.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>

namespace kernel::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::mutex g_mutex;

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
    case Level::off:
      return "off";
  }
  return "info";
}

}  // namespace

void set_level(Level level) {
  g_level.store(level, std::memory_order_relaxed);
}
Level level() {
  return g_level.load(std::memory_order_relaxed);
}

bool parse_level(std::string_view text, Level* out) {
  for (auto candidate : {Level::debug, Level::info, Level::warn, Level::error, Level::off}) {
    if (text == level_name(candidate)) {
      *out = candidate;
      return true;
    }
  }
  return false;
}

void write(Level lvl, std::string_view module, std::string_view message,
           std::string_view request_id) {
  if (lvl < level()) return;
  boost::json::object line;
  line["time"] = format_rfc3339(SystemClock().now());
  line["level"] = level_name(lvl);
  line["module"] = module;
  line["msg"] = message;
  if (!request_id.empty()) line["request_id"] = request_id;
  auto text = boost::json::serialize(line);
  text += '\n';
  std::lock_guard lock(g_mutex);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace kernel::log
