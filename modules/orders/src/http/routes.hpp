#pragma once
// /api/v1/orders.

#include "usecases/ordering.hpp"

#include <kernel/router.hpp>

namespace orders::http {

void add_routes(kernel::Router& router, Ordering& ordering);

}  // namespace orders::http
