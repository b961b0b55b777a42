#pragma once
// Structured logging: one JSON object per line on stdout. Thread-safe; lines never interleave.

#include <string>
#include <string_view>

namespace kernel::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

void set_level(Level level);
Level level();
// Parses "debug", "info", "warn", "error", "off"; returns false on anything else.
bool parse_level(std::string_view text, Level* out);

void write(Level level, std::string_view module, std::string_view message,
           std::string_view request_id = {});

inline void debug(std::string_view module, std::string_view message, std::string_view rid = {}) {
  write(Level::debug, module, message, rid);
}
inline void info(std::string_view module, std::string_view message, std::string_view rid = {}) {
  write(Level::info, module, message, rid);
}
inline void warn(std::string_view module, std::string_view message, std::string_view rid = {}) {
  write(Level::warn, module, message, rid);
}
inline void error(std::string_view module, std::string_view message, std::string_view rid = {}) {
  write(Level::error, module, message, rid);
}

}  // namespace kernel::log
