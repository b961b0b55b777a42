#pragma once
// The catalogue's use cases. Each mutation commits the product change and its event together.

#include "domain/product.hpp"

#include <eventbus/bus.hpp>

#include <exception>
#include <functional>
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

  // The same three on the module's request writer, for request handlers that answer later (no
  // I/O thread waits for the write lock, ADR 0013). The handler checks the fields first, at once
  // (prepare_create, check_changes: 422); done is called on the writer after the commit, or with
  // the error (404, 409, a failure).
  using ProductDone = std::function<void(std::optional<Product>, std::exception_ptr)>;
  using RemoveDone = std::function<void(std::exception_ptr)>;
  // The product `input` describes, checked (422), not stored yet.
  Product prepare_create(ProductChanges input) const;
  static void check_changes(ProductChanges& changes);
  void create_queued(Product prepared, eventbus::Trace trace, ProductDone done);
  void update_queued(std::int64_t id, ProductChanges changes, eventbus::Trace trace,
                     ProductDone done);
  void remove_queued(std::int64_t id, eventbus::Trace trace, RemoveDone done);
  // A search (`q`) is bounded: at most this many characters and words (terms), else 422.
  static constexpr std::size_t kMaxSearchCharacters = 200;
  static constexpr std::size_t kMaxSearchTerms = 16;

  // `query` is free text; empty lists everything. Throws 422 (errors.q) for a search beyond the
  // bounds above.
  ProductPage list(const std::string& query, std::int64_t after, int limit);
  static void check_search(const std::string& text);

  // Reaction to inventory's stock levels.
  static void apply_stock_level(kernel::Connection& c, std::int64_t product_id,
                                std::int64_t available);

  // Turns free text into an FTS5 query of quoted prefix terms ("" when it has no words).
  static std::string to_fts_query(const std::string& text);

 private:
  std::string now() const;

  eventbus::ModuleBus& bus_;
};

}  // namespace products
