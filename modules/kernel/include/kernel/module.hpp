#pragma once
// What the application sees of a hosted module: its name and its HTTP routes. Subscriptions are
// made by the module's factory on the bus it is given.

#include "kernel/router.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace kernel {

// One line of a module's health for /readyz (and metrics): "stuck_orders" = "0", ok.
struct HealthDetail {
  std::string name;
  std::string value;
  bool ok = true;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string_view name() const = 0;
  virtual void add_routes(Router& router) = 0;
  // Facts an operator should see in /readyz; they inform, they do not make the process unready.
  virtual std::vector<HealthDetail> health() { return {}; }
};

}  // namespace kernel
