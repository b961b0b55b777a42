#include "metrics.hpp"

#include "ttl_cache.hpp"

#include <kernel/metrics.hpp>

#include <fmt/format.h>

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <map>
#include <string>
#include <utility>

namespace mart {
namespace {

// "VmRSS:   12345 kB" -> bytes.
std::int64_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::int64_t kb = 0;
      auto digits = line.find_first_of("0123456789");
      if (digits == std::string::npos) return 0;
      std::from_chars(line.data() + digits, line.data() + line.size(), kb);
      return kb * 1024;
    }
  }
  return 0;
}

std::int64_t open_files() {
  std::int64_t count = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir)) ++count;
    closedir(dir);
    count -= 3;  // ".", ".." and the directory's own descriptor
  }
  return count;
}

void gauge(std::string& out, std::string_view name, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

// What the bus and the modules report from their tables: outboxes, dead letters, each
// module's health facts and gauges. The costly part of a scrape (it scans tables), so it is
// computed at most once per cache TTL however often /metrics is asked for.
std::string module_facts(eventbus::Bus& bus,
                         const std::vector<std::unique_ptr<kernel::Module>>& modules) {
  std::string out;
  auto status = bus.status();
  gauge(out, "mart_outbox_waiting_events", "Published events not yet handled by every subscriber.");
  for (const auto& s : status) {
    out +=
        fmt::format("mart_outbox_waiting_events{{module=\"{}\"}} {}\n", s.module, s.outbox_waiting);
  }
  gauge(out, "mart_outbox_oldest_age_seconds", "Age of the oldest event still waiting.");
  for (const auto& s : status) {
    out += fmt::format("mart_outbox_oldest_age_seconds{{module=\"{}\"}} {:.3f}\n", s.module,
                       static_cast<double>(s.oldest_waiting_age_ms) / 1000.0);
  }
  gauge(out, "mart_events_retrying", "Deliveries parked for retry.");
  for (const auto& s : status) {
    out += fmt::format("mart_events_retrying{{module=\"{}\"}} {}\n", s.module, s.retrying);
  }
  gauge(out, "mart_dead_letters", "Deliveries that ran out of attempts.");
  for (const auto& s : status) {
    out += fmt::format("mart_dead_letters{{module=\"{}\"}} {}\n", s.module, s.dead_letters);
  }
  // Each module's health facts that are numbers, e.g. mart_stuck_orders.
  for (const auto& module : modules) {
    for (const auto& detail : module->health()) {
      double value = 0;
      auto [ptr, ec] =
          std::from_chars(detail.value.data(), detail.value.data() + detail.value.size(), value);
      if (ec != std::errc() || ptr != detail.value.data() + detail.value.size()) continue;
      auto name = "mart_" + detail.name;
      gauge(out, name, "Reported by the " + std::string(module->name()) + " module.");
      out += fmt::format("{} {}\n", name, detail.value);
    }
  }
  // Each module's labelled figures, e.g. mart_orders{status="pending"}.
  std::map<std::string, std::vector<kernel::GaugeSample>> samples;
  for (const auto& module : modules) {
    for (auto& sample : module->gauges()) samples["mart_" + sample.name].push_back(sample);
  }
  for (const auto& [name, series] : samples) {
    gauge(out, name, series.front().help);
    for (const auto& sample : series) {
      std::string labels;
      for (const auto& [label, value] : sample.labels) {
        labels += (labels.empty() ? "" : ",") + label + "=\"" +
                  kernel::metrics::escape_label(value) + "\"";
      }
      out += name + (labels.empty() ? "" : "{" + labels + "}") + " " +
             kernel::metrics::format_value(sample.value) + "\n";
    }
  }
  return out;
}

}  // namespace

void add_metrics_route(kernel::Router& router, eventbus::Bus& bus,
                       const std::vector<std::unique_ptr<kernel::Module>>& modules,
                       std::chrono::steady_clock::time_point started,
                       std::chrono::milliseconds cache_ttl,
                       std::function<void(std::string&)> more) {
  auto facts = std::make_shared<TtlCache<std::string>>(cache_ttl);
  router.get(
      "/metrics", [&bus, &modules, started, more = std::move(more), facts](kernel::Request&) {
        std::string out;
        gauge(out, "mart_build_info", "Build of the running binary.");
        out += fmt::format("mart_build_info{{version=\"{}\"}} 1\n", MART_VERSION);
        gauge(out, "mart_uptime_seconds", "Seconds since the process started.");
        out += fmt::format(
            "mart_uptime_seconds {:.3f}\n",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        gauge(out, "process_resident_memory_bytes", "Resident memory size in bytes.");
        out += fmt::format("process_resident_memory_bytes {}\n", resident_bytes());
        gauge(out, "process_open_fds", "Open file descriptors.");
        out += fmt::format("process_open_fds {}\n", open_files());
        gauge(out, "mart_relay_running", "1 while the event delivery threads run.");
        out += fmt::format("mart_relay_running {}\n", bus.running() ? 1 : 0);

        out += facts->get([&] { return module_facts(bus, modules); });
        // What the request path and the bus counted (HTTP, events, handlers, SQLite commits).
        kernel::metrics::registry().render(out);
        if (more) more(out);
        kernel::Response response;
        response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        response.body = std::move(out);
        return response;
      });
}

}  // namespace mart
