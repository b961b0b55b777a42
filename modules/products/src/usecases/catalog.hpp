#pragma once
// The catalogue's use cases. Each mutation commits the product change and its event together.

#include "domain/product.hpp"

#include <eventbus/bus.hpp>

#include <optional>
#include <string>
#include <vector>

namespace products {

struct ProductPage {
  std::vector<Product> items;
  std::optional<std::int64_t> next_after;  // keyset position for the next page
};

class Catalog {
 public:
  explicit Catalog(eventbus::ModuleBus& bus) : bus_(bus) {}

  // Throws kernel::ApiError: 422 invalid fields, 409 duplicate sku, 404 unknown product.
  Product create(ProductChanges input, const eventbus::Trace& trace);
  Product get(std::int64_t id);
  Product update(std::int64_t id, ProductChanges changes, const eventbus::Trace& trace);
  void remove(std::int64_t id, const eventbus::Trace& trace);
  // `query` is free text; empty lists everything.
  ProductPage list(const std::string& query, std::int64_t after, int limit);

  // Reaction to inventory's stock levels.
  static void apply_stock_level(kernel::Connection& c, std::int64_t product_id,
                                std::int64_t available);

  // Turns free text into an FTS5 query of quoted prefix terms ("" when it has no words).
  static std::string to_fts_query(const std::string& text);

 private:
  eventbus::ModuleBus& bus_;
};

}  // namespace products
