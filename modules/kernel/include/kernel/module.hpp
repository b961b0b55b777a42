#pragma once
// What the application sees of a hosted module: its name and its HTTP routes. Subscriptions are
// made by the module's factory on the bus it is given.

#include "kernel/router.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kernel {

// One line of a module's health for /readyz (and metrics): "stuck_orders" = "0", ok.
struct HealthDetail {
  std::string name;
  std::string value;
  bool ok = true;
};

// A labelled gauge a module reports at scrape time: mart_<name>{labels} value.
struct GaugeSample {
  std::string name;  // without the "mart_" prefix, e.g. "orders"
  std::string help;
  std::vector<std::pair<std::string, std::string>> labels;  // e.g. {"status", "pending"}
  double value = 0;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string_view name() const = 0;
  virtual void add_routes(Router& router) = 0;
  // Facts an operator should see in /readyz; they inform, they do not make the process unready.
  virtual std::vector<HealthDetail> health() { return {}; }
  // Labelled figures for /metrics, computed when scraped (samples of one name share its help).
  virtual std::vector<GaugeSample> gauges() { return {}; }
};

}  // namespace kernel
