#pragma once
// /api/v1/products: JSON in, use case, JSON out.

#include "usecases/catalog.hpp"

#include <kernel/router.hpp>

namespace products::http {

void add_routes(kernel::Router& router, Catalog& catalog);

}  // namespace products::http
