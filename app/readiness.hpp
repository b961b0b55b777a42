#pragma once
// GET /readyz: can every hosted module's database take a write (and has its last write not
// failed on its storage: `storage_<module>` is disk_full, read_only or io_error then), do the
// delivery threads run and keep up, and (in Kafka mode) does the broker answer. The answer is
// anonymous, so it says which check failed in stable words (the raw error goes to the log), and
// it is computed at most once per `cache_ttl` however often it is asked for: a probe takes each
// module's write lock.

#include "ttl_cache.hpp"

#include <eventbus/bus.hpp>
#include <kernel/database.hpp>
#include <kernel/http.hpp>
#include <kernel/module.hpp>
#include <kernel/router.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace mart {

struct ReadinessSources {
  const std::vector<std::shared_ptr<kernel::Database>>* databases = nullptr;
  const std::vector<std::unique_ptr<kernel::Module>>* modules = nullptr;
  eventbus::Bus* bus = nullptr;
  // Adds the Kafka checks and says whether they pass; empty when Kafka is off.
  std::function<bool(boost::json::object&)> kafka_check;
  std::chrono::seconds max_event_age{60};
};

class Readiness {
 public:
  Readiness(ReadinessSources sources, std::chrono::milliseconds cache_ttl)
      : sources_(std::move(sources)), cached_(cache_ttl) {}

  kernel::Response answer();

 private:
  struct Verdict {
    bool ready = false;
    boost::json::object checks;
  };
  Verdict evaluate();

  ReadinessSources sources_;
  TtlCache<Verdict> cached_;
};

// The probes: GET /healthz (the process answers) and GET /readyz (readiness.answer()).
// `readiness` must outlive the router.
void add_probe_routes(kernel::Router& router, Readiness& readiness);

}  // namespace mart
