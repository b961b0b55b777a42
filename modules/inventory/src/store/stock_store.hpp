#pragma once
// SQL of the stock and adjustments tables. Every function runs on a connection the caller holds
// (inside a transaction for writes).

#include "domain/stock_levels.hpp"

#include <kernel/database.hpp>

#include <optional>
#include <string>
#include <vector>

namespace inventory::store {

// Creates the product's stock at zero; false when it already existed (left as it is).
bool insert_stock(kernel::Connection& c, std::int64_t product_id, const std::string& at);
std::optional<StockLevels> find_stock(kernel::Connection& c, std::int64_t product_id);
void save_stock(kernel::Connection& c, const StockLevels& levels, const std::string& at);

void insert_adjustment(kernel::Connection& c, std::int64_t product_id, const Adjustment& adjustment,
                       const std::string& at);
// A product's adjustments with ids > after, oldest first, at most limit rows.
std::vector<AdjustmentRecord> adjustments_page(kernel::Connection& c, std::int64_t product_id,
                                               std::int64_t after, int limit);

// Products whose available + reserved + sold differs from the sum of their adjustments; empty
// while the conservation invariant holds (for tests and operators).
std::vector<std::int64_t> unbalanced_products(kernel::Connection& c);

}  // namespace inventory::store
