#pragma once
// /api/v1/inventory: JSON in, use case, JSON out.

#include "usecases/stock_ledger.hpp"

#include <kernel/router.hpp>

namespace inventory::http {

void add_routes(kernel::Router& router, StockLedger& ledger);

}  // namespace inventory::http
