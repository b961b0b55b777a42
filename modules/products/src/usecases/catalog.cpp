#include "usecases/catalog.hpp"

#include "store/product_store.hpp"

#include <products/events.hpp>

#include <kernel/time.hpp>

#include <cctype>

namespace products {
namespace {

template <class E>
E event_of(const Product& p) {
  return E{p.id, p.name, p.description, p.price_cents, p.currency, p.sku.value_or("")};
}

void require_valid(ProductChanges& changes) {
  kernel::FieldErrors errors;
  validate(changes, errors);
  if (!errors.empty()) throw kernel::ApiError::invalid_fields(errors);
}

void require_free_sku(kernel::Connection& c, const Product& product) {
  if (product.sku && store::sku_taken(c, *product.sku, product.id)) {
    throw kernel::ApiError::conflict("Another product already has sku " + *product.sku + ".");
  }
}

}  // namespace

Product Catalog::create(ProductChanges input, const eventbus::Trace& trace) {
  kernel::FieldErrors missing;
  if (!input.name) missing["name"] = "is required";
  if (!input.price_cents) missing["price_cents"] = "is required";
  validate(input, missing);
  if (!missing.empty()) throw kernel::ApiError::invalid_fields(missing);
  Product product;
  apply(input, product);
  product.created_at = product.updated_at = kernel::format_rfc3339(bus_.clock().now());
  return bus_.transact(trace, [&](eventbus::Tx& tx) {
    require_free_sku(tx.db(), product);
    product.id = store::insert(tx.db(), product);
    tx.publish(event_of<events::ProductCreated>(product));
    return product;
  });
}

Product Catalog::get(std::int64_t id) {
  auto product = bus_.db().read([&](kernel::Connection& c) { return store::find(c, id); });
  if (!product) throw kernel::ApiError::not_found("Product " + std::to_string(id) + " not found.");
  return *product;
}

Product Catalog::update(std::int64_t id, ProductChanges changes, const eventbus::Trace& trace) {
  require_valid(changes);
  return bus_.transact(trace, [&](eventbus::Tx& tx) {
    auto product = store::find(tx.db(), id);
    if (!product)
      throw kernel::ApiError::not_found("Product " + std::to_string(id) + " not found.");
    auto before = *product;
    apply(changes, *product);
    bool changed = product->name != before.name || product->description != before.description ||
                   product->price_cents != before.price_cents ||
                   product->currency != before.currency || product->sku != before.sku;
    if (!changed) return *product;
    require_free_sku(tx.db(), *product);
    product->updated_at = kernel::format_rfc3339(bus_.clock().now());
    store::update(tx.db(), *product);
    tx.publish(event_of<events::ProductUpdated>(*product));
    return *product;
  });
}

void Catalog::remove(std::int64_t id, const eventbus::Trace& trace) {
  bus_.transact(trace, [&](eventbus::Tx& tx) {
    if (!store::find(tx.db(), id)) {
      throw kernel::ApiError::not_found("Product " + std::to_string(id) + " not found.");
    }
    store::mark_deleted(tx.db(), id, kernel::format_rfc3339(bus_.clock().now()));
    tx.publish(events::ProductDeleted{id});
  });
}

ProductPage Catalog::list(const std::string& query, std::int64_t after, int limit) {
  ProductPage page;
  bool searching = query.find_first_not_of(" \t\r\n") != std::string::npos;
  auto fts = searching ? to_fts_query(query) : std::string();
  if (searching && fts.empty()) return page;  // only punctuation: nothing can match
  page.items = bus_.db().read([&](kernel::Connection& c) {
    return searching ? store::search(c, fts, after, limit + 1) : store::page(c, after, limit + 1);
  });
  if (static_cast<int>(page.items.size()) > limit) {
    page.items.resize(static_cast<std::size_t>(limit));
    page.next_after = page.items.back().id;
  }
  return page;
}

void Catalog::apply_stock_level(kernel::Connection& c, std::int64_t product_id,
                                std::int64_t available) {
  store::set_in_stock(c, product_id, available > 0);
}

std::string Catalog::to_fts_query(const std::string& text) {
  // Words are runs of letters/digits (and any non-ASCII byte, so UTF-8 words survive); each
  // becomes a quoted prefix term, so user input can never be FTS5 syntax.
  std::string query;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!query.empty()) query += ' ';
    query += '"' + word + "\"*";
    word.clear();
  };
  for (unsigned char c : text) {
    if (std::isalnum(c) || c >= 0x80) {
      word += static_cast<char>(c);
    } else {
      flush();
    }
  }
  flush();
  return query;
}

}  // namespace products
