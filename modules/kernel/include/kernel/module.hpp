#pragma once
// What the application sees of a hosted module: its name and its HTTP routes. Subscriptions are
// made by the module's factory on the bus it is given.

#include "kernel/router.hpp"

#include <string_view>

namespace kernel {

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string_view name() const = 0;
  virtual void add_routes(Router& router) = 0;
};

}  // namespace kernel
