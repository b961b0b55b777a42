#pragma once
// Structured logging: one JSON object per line on stdout (or a readable text line, see Format).
// Thread-safe; lines never interleave.
//
// Every line has time, level, msg and module, plus request_id and trace_id when known: passed
// explicitly, or set for the current thread by a Scope.

#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kernel::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };
enum class Format { json, text };

void set_level(Level level);
Level level();
// Parses "debug", "info", "warn", "error", "off"; returns false on anything else.
bool parse_level(std::string_view text, Level* out);

void set_format(Format format);
Format format();
// Applies the log_format setting: "json", "text", or "auto" (text when stdout is a terminal,
// else JSON). Returns false on anything else.
bool apply_format(std::string_view setting);

// Writes out every line logged so far (they are written by a background thread otherwise).
void flush();

// Where lines go instead of stdout (tests capture them); an empty function restores stdout.
void set_sink(std::function<void(std::string_view line)> sink);

// While a Scope lives, every line this thread logs carries its ids (an explicit request id wins).
// Scopes nest: the inner one's ids apply until it ends, then the outer one's again.
class Scope {
 public:
  Scope(std::string request_id, std::string trace_id);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  std::string previous_request_id_;
  std::string previous_trace_id_;
};

// The current thread's ids ("" outside any Scope).
const std::string& current_request_id();
const std::string& current_trace_id();

// Extra fields of a line, written after the standard ones.
using Fields = std::vector<std::pair<std::string_view, boost::json::value>>;

void write(Level level, std::string_view module, std::string_view message,
           std::string_view request_id = {}, const Fields& fields = {});
// As write(), with the trace the line belongs to given ("" = the Scope's).
void write_traced(Level level, std::string_view module, std::string_view message,
                  std::string_view trace_id, std::string_view request_id = {},
                  const Fields& fields = {});

// Whether a line at `at` would be written: check before building an expensive one.
inline bool enabled(Level at) {
  return at >= level();
}

// A business decision (docs/operations.md, "Logs that follow an order"): one info line per
// decision a module takes, with the trace of the request or event that led to it (its correlation
// id; "" = the Scope's) and the ids it is about in `fields` (order_id for the order flow).
void decision(std::string_view module, std::string_view message, std::string_view trace_id,
              const Fields& fields);

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
