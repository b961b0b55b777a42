#pragma once
// SQL of the products tables. Every function runs on a connection the caller holds (inside a
// transaction for writes).

#include "domain/product.hpp"

#include <kernel/database.hpp>

#include <optional>
#include <string>
#include <vector>

namespace products::store {

std::int64_t insert(kernel::Connection& c, const Product& product);
std::optional<Product> find(kernel::Connection& c, std::int64_t id);  // deleted ones are absent
void update(kernel::Connection& c, const Product& product);
void mark_deleted(kernel::Connection& c, std::int64_t id, const std::string& at);
bool sku_taken(kernel::Connection& c, const std::string& sku, std::int64_t except_id);
void set_in_stock(kernel::Connection& c, std::int64_t id, bool in_stock);

// Keyset pages in id order: ids > after, at most limit rows.
std::vector<Product> page(kernel::Connection& c, std::int64_t after, int limit);
std::vector<Product> search(kernel::Connection& c, const std::string& fts_query, std::int64_t after,
                            int limit);

}  // namespace products::store
