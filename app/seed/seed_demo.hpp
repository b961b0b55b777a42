#pragma once
// `mart seed-demo`: fills an empty data directory with a demo shop (an admin, a customer, a dozen
// products with stock) through the modules' own HTTP routes, so every event is published as in
// production; delivers those events until the bus is idle; then prints the credentials, once, and
// two curl commands that sign in as the customer and order the first product.

#include "config/config.hpp"

#include <iosfwd>

namespace mart::seed {

struct SeedDemoOptions {
  // A data directory that already has data is not an error: print nothing and succeed (make run).
  bool if_empty = false;
};

// Returns the exit status: 0 seeded (or, with if_empty, nothing to do), 1 the data directory
// already holds a user or a product (nothing is changed), 2 this configuration does not host every
// module. Throws ConfigError or std::runtime_error as the server's start-up does.
int seed_demo(Config config, const SeedDemoOptions& options, std::ostream& out, std::ostream& err);

}  // namespace mart::seed
