#include "kernel/log.hpp"

#include "kernel/thread_name.hpp"
#include "kernel/time.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace kernel::log {
namespace {

std::atomic<Level> g_level{Level::info};
std::atomic<Format> g_format{Format::json};

// Lines go to stdout from a background thread, in batches: a write(2) and a lock held across it
// per line cost the order flow a third of its throughput at info. A warn or error line is
// written before its caller goes on, with every line before it.
class Output {
 public:
  ~Output() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    write_out();
  }

  void set_sink(std::function<void(std::string_view)> sink) {
    std::lock_guard lock(mutex_);
    sink_ = std::move(sink);
  }

  void add(std::string&& line, bool urgent) {
    bool was_empty = false;
    bool too_much = false;
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      if (sink_) {
        sink_(line);  // tests: at once, in order
        return;
      }
      if (!stopping_ && !thread_.joinable()) thread_ = std::thread([this] { run(); });
      was_empty = pending_.empty();
      pending_ += line;
      pending_ += '\n';
      too_much = pending_.size() > kMaxPending;
      stopping = stopping_;
    }
    if (urgent || too_much || stopping) {
      write_out();  // the writer is behind (a slow stdout): its caller waits, as it used to
    } else if (was_empty) {
      wake_.notify_one();
    }
  }

  // Writes what is pending; the write lock keeps batches in the order they were taken.
  void write_out() {
    std::lock_guard write_lock(write_mutex_);
    std::string batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(pending_);
    }
    if (batch.empty()) return;
    std::fwrite(batch.data(), 1, batch.size(), stdout);
    std::fflush(stdout);
  }

 private:
  static constexpr std::size_t kMaxPending = std::size_t{4} << 20;
  static constexpr auto kBatchWindow = std::chrono::milliseconds(5);

  void run() {
    name_this_thread("log-writer");
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      // Let a burst gather into one write.
      wake_.wait_for(lock, kBatchWindow, [this] { return stopping_; });
      lock.unlock();
      write_out();
      lock.lock();
    }
  }

  std::mutex mutex_;  // guards pending_, sink_, stopping_, thread_'s start
  std::condition_variable wake_;
  std::string pending_;
  std::function<void(std::string_view)> sink_;
  bool stopping_ = false;
  std::mutex write_mutex_;
  std::thread thread_;
};

// Made at the first line, so it is destroyed (and writes its last lines) early in exit().
Output& output() {
  static Output instance;
  return instance;
}

struct Context {
  std::string request_id;
  std::string trace_id;
};
thread_local Context t_context;

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

// Control characters (and the backslash that introduces an escape) written as escapes: text
// from a client (a path) must not start a line of its own or drive a terminal.
std::string escape_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

// A field value in the text form: strings as they are (quoted when they contain spaces),
// anything else as JSON; control characters escaped either way.
std::string text_value(const boost::json::value& value) {
  std::string_view text = value.is_string() ? std::string_view(value.get_string()) : "";
  if (value.is_string() && !text.empty() &&
      text.find_first_of(" \t\"=\\") == std::string_view::npos) {
    return escape_controls(text);
  }
  // JSON escapes every control character but DEL already.
  std::string json = boost::json::serialize(value);
  for (auto at = json.find('\x7f'); at != std::string::npos; at = json.find('\x7f', at)) {
    json.replace(at, 1, "\\u007f");
  }
  return json;
}

std::string render_json(std::string_view time, Level lvl, std::string_view module,
                        std::string_view message, std::string_view request_id,
                        std::string_view trace_id, const Fields& fields) {
  // One line's fields from a buffer on the stack: no allocation per field.
  unsigned char buffer[1024];
  boost::json::monotonic_resource memory(buffer, sizeof buffer);
  boost::json::object line(&memory);
  line["time"] = time;
  line["level"] = level_name(lvl);
  line["module"] = module;
  line["msg"] = message;
  if (!request_id.empty()) line["request_id"] = request_id;
  if (!trace_id.empty()) line["trace_id"] = trace_id;
  for (const auto& [name, value] : fields) line[name] = value;
  return boost::json::serialize(line);
}

std::string render_text(std::string_view time, Level lvl, std::string_view module,
                        std::string_view message, std::string_view request_id,
                        std::string_view trace_id, const Fields& fields) {
  std::string out(time);
  std::string level(level_name(lvl));
  for (auto& c : level) c = static_cast<char>(c - 'a' + 'A');
  level.resize(5, ' ');
  out += ' ';
  out += level;
  out += " [";
  out += escape_controls(module);
  out += "] ";
  out += escape_controls(message);
  for (const auto& [name, value] : fields) {
    out += ' ';
    out += escape_controls(name);
    out += '=';
    out += text_value(value);
  }
  if (!request_id.empty()) {
    out += " request_id=";
    out += escape_controls(request_id);
  }
  if (!trace_id.empty()) {
    out += " trace_id=";
    out += escape_controls(trace_id);
  }
  return out;
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

void set_format(Format format) {
  g_format.store(format, std::memory_order_relaxed);
}
Format format() {
  return g_format.load(std::memory_order_relaxed);
}

bool apply_format(std::string_view setting) {
  if (setting == "json") {
    set_format(Format::json);
  } else if (setting == "text") {
    set_format(Format::text);
  } else if (setting == "auto") {
    set_format(::isatty(STDOUT_FILENO) ? Format::text : Format::json);
  } else {
    return false;
  }
  return true;
}

void flush() {
  output().write_out();
}

void set_sink(std::function<void(std::string_view)> sink) {
  output().set_sink(std::move(sink));
}

Scope::Scope(std::string request_id, std::string trace_id)
    : previous_request_id_(std::exchange(t_context.request_id, std::move(request_id))),
      previous_trace_id_(std::exchange(t_context.trace_id, std::move(trace_id))) {}

Scope::~Scope() {
  t_context.request_id = std::move(previous_request_id_);
  t_context.trace_id = std::move(previous_trace_id_);
}

const std::string& current_request_id() {
  return t_context.request_id;
}
const std::string& current_trace_id() {
  return t_context.trace_id;
}

void write(Level lvl, std::string_view module, std::string_view message,
           std::string_view request_id, const Fields& fields) {
  write_traced(lvl, module, message, t_context.trace_id, request_id, fields);
}

void decision(std::string_view module, std::string_view message, std::string_view trace_id,
              const Fields& fields) {
  write_traced(Level::info, module, message, trace_id, {}, fields);
}

void write_traced(Level lvl, std::string_view module, std::string_view message,
                  std::string_view trace_id, std::string_view request_id, const Fields& fields) {
  if (lvl < level()) return;
  if (request_id.empty()) request_id = t_context.request_id;
  if (trace_id.empty()) trace_id = t_context.trace_id;
  auto time = format_rfc3339(SystemClock().now());
  auto text = format() == Format::text
                  ? render_text(time, lvl, module, message, request_id, trace_id, fields)
                  : render_json(time, lvl, module, message, request_id, trace_id, fields);
  output().add(std::move(text), lvl >= Level::warn);
}

}  // namespace kernel::log
