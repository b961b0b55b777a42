#include "readiness.hpp"

#include <kernel/log.hpp>

#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>

namespace mart {
namespace {

// Why `db` cannot take a write now ("" when it can), in stable words: its file or directory is
// not writable, its file system is mounted read-only, or a write transaction cannot begin within
// a short wait (an empty BEGIN IMMEDIATE; ROLLBACK, taken under the module's own write lock, so
// it never holds SQLite's write lock for longer than that).
std::string write_probe(kernel::Database& db) {
  constexpr int kProbeBusyTimeoutMs = 200;
  if (!db.in_memory()) {
    const auto& file = db.file();
    auto dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
    if (::access(file.c_str(), W_OK) != 0) return "database file is not writable";
    if (::access(dir.c_str(), W_OK) != 0) return "data directory is not writable";
    struct statvfs fs {};
    if (::statvfs(dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY)) {
      return "file system is read-only";
    }
  }
  try {
    db.with_writer([&](kernel::Connection& c) {
      c.raw().setBusyTimeout(kProbeBusyTimeoutMs);
      struct Restore {
        kernel::Connection& c;
        int ms;
        ~Restore() { c.raw().setBusyTimeout(ms); }
      } restore{c, db.busy_timeout_ms()};
      c.exec("BEGIN IMMEDIATE");
      c.exec("ROLLBACK");
    });
    return {};
  } catch (const std::exception& error) {
    // The raw text (paths, SQLite's words) is for the operator's log, not for anonymous callers.
    kernel::log::warn("app", "readiness: " + db.name() + " cannot begin a write: " + error.what());
    return "cannot begin a write transaction";
  }
}

}  // namespace

Readiness::Verdict Readiness::evaluate() {
  Verdict verdict;
  verdict.ready = true;
  auto& checks = verdict.checks;
  for (const auto& db : *sources_.databases) {
    auto failure = write_probe(*db);
    checks["database:" + db->name()] = failure.empty() ? "ok" : "failed: " + failure;
    verdict.ready = verdict.ready && failure.empty();
    // A write failed on its storage (disk full, read-only, I/O error): not ready until a write
    // succeeds again or the recheck finds room, with nobody restarting anything.
    auto storage = db->recheck_storage();
    checks["storage_" + db->name()] =
        storage ? std::string(kernel::storage_cause_name(*storage)) : std::string("ok");
    verdict.ready = verdict.ready && !storage;
  }
  for (const auto& module : *sources_.modules) {
    for (const auto& detail : module->health()) {
      checks[std::string(module->name()) + ":" + detail.name] = detail.value;
    }
  }
  bool relay = sources_.bus->running();
  checks["relay"] = relay ? "running" : "stopped";
  verdict.ready = verdict.ready && relay;
  // A relay that runs but does not keep up (or is stuck on one event) is stalled too.
  const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(sources_.max_event_age);
  for (const auto& status : sources_.bus->status()) {
    auto age = std::chrono::milliseconds(status.oldest_waiting_age_ms);
    bool fresh = status.outbox_waiting == 0 || age <= limit;
    checks["outbox:" + status.module] =
        fresh ? std::string("ok")
              : "stalled: oldest undelivered event is " + std::to_string(age.count() / 1000) +
                    " s old (ready.max_event_age_s = " +
                    std::to_string(sources_.max_event_age.count()) + ")";
    verdict.ready = verdict.ready && fresh;
  }
  if (sources_.kafka_check) verdict.ready = sources_.kafka_check(checks) && verdict.ready;
  return verdict;
}

kernel::Response Readiness::answer() {
  auto verdict = cached_.get([this] { return evaluate(); });
  boost::json::object body{{"status", verdict.ready ? "ready" : "not ready"},
                           {"checks", std::move(verdict.checks)}};
  return kernel::Response::json(verdict.ready ? 200 : 503, body);
}

void add_probe_routes(kernel::Router& router, Readiness& readiness) {
  router.get("/healthz", [](kernel::Request&) {
    return kernel::Response::json(200, boost::json::object{{"status", "ok"}});
  });
  router.get("/readyz", [&readiness](kernel::Request&) { return readiness.answer(); });
}

}  // namespace mart
