#pragma once
// SQL of the loyalty_points table (docs/extending.md, step 5: a table).

#include <kernel/database.hpp>

#include <cstdint>

namespace loyalty::store {

// Records the points of an order; false when that order had already earned (nothing changes).
bool award(kernel::Connection& c, std::int64_t order_id, std::int64_t user_id, std::int64_t points);
std::int64_t balance(kernel::Connection& c, std::int64_t user_id);

}  // namespace loyalty::store
