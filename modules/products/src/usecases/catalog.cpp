#include "usecases/catalog.hpp"

#include "store/product_store.hpp"

#include <products/events.hpp>

#include <kernel/pagination.hpp>
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

namespace {

// The transactions, the same for the direct and the queued form of each use case.
Product insert_product(eventbus::Tx& tx, Product product) {
  require_free_sku(tx.db(), product);
  product.id = store::insert(tx.db(), product);
  tx.publish(event_of<events::ProductCreated>(product));
  return product;
}

Product update_product(eventbus::Tx& tx, std::int64_t id, const ProductChanges& changes,
                       const std::string& now) {
  auto product = store::find(tx.db(), id);
  if (!product) throw kernel::ApiError::not_found("Product " + std::to_string(id) + " not found.");
  auto before = *product;
  apply(changes, *product);
  bool changed = product->name != before.name || product->description != before.description ||
                 product->price_cents != before.price_cents ||
                 product->currency != before.currency || product->sku != before.sku;
  if (!changed) return *product;
  require_free_sku(tx.db(), *product);
  product->updated_at = now;
  store::update(tx.db(), *product);
  tx.publish(event_of<events::ProductUpdated>(*product));
  return *product;
}

bool remove_product(eventbus::Tx& tx, std::int64_t id, const std::string& now) {
  if (!store::find(tx.db(), id)) {
    throw kernel::ApiError::not_found("Product " + std::to_string(id) + " not found.");
  }
  store::mark_deleted(tx.db(), id, now);
  tx.publish(events::ProductDeleted{id});
  return true;
}

}  // namespace

std::string Catalog::now() const {
  return kernel::format_rfc3339(bus_.clock().now());
}

Product Catalog::prepare_create(ProductChanges input) const {
  kernel::FieldErrors missing;
  if (!input.name) missing["name"] = "is required";
  if (!input.price_cents) missing["price_cents"] = "is required";
  validate(input, missing);
  if (!missing.empty()) throw kernel::ApiError::invalid_fields(missing);
  Product product;
  apply(input, product);
  product.created_at = product.updated_at = now();
  return product;
}

Product Catalog::create(ProductChanges input, const eventbus::Trace& trace) {
  auto product = prepare_create(std::move(input));
  return bus_.transact(trace, [&](eventbus::Tx& tx) { return insert_product(tx, product); });
}

void Catalog::create_queued(Product prepared, eventbus::Trace trace, ProductDone done) {
  bus_.transact_queued(
      std::move(trace),
      [product = std::move(prepared)](eventbus::Tx& tx) { return insert_product(tx, product); },
      std::move(done));
}

void Catalog::check_changes(ProductChanges& changes) {
  require_valid(changes);
}

Product Catalog::get(std::int64_t id) {
  auto product = bus_.db().read([&](kernel::Connection& c) { return store::find(c, id); });
  if (!product) throw kernel::ApiError::not_found("Product " + std::to_string(id) + " not found.");
  return *product;
}

Product Catalog::update(std::int64_t id, ProductChanges changes, const eventbus::Trace& trace) {
  require_valid(changes);
  return bus_.transact(trace,
                       [&](eventbus::Tx& tx) { return update_product(tx, id, changes, now()); });
}

void Catalog::update_queued(std::int64_t id, ProductChanges changes, eventbus::Trace trace,
                            ProductDone done) {
  bus_.transact_queued(
      std::move(trace),
      [this, id, changes = std::move(changes)](eventbus::Tx& tx) {
        return update_product(tx, id, changes, now());
      },
      std::move(done));
}

void Catalog::remove(std::int64_t id, const eventbus::Trace& trace) {
  bus_.transact(trace, [&](eventbus::Tx& tx) { return remove_product(tx, id, now()); });
}

void Catalog::remove_queued(std::int64_t id, eventbus::Trace trace, RemoveDone done) {
  bus_.transact_queued(
      std::move(trace), [this, id](eventbus::Tx& tx) { return remove_product(tx, id, now()); },
      [done = std::move(done)](std::optional<bool> /*removed*/, const std::exception_ptr& error) {
        done(error);
      });
}

ProductPage Catalog::list(const std::string& query, std::int64_t after, int limit) {
  check_search(query);
  ProductPage page;
  bool searching = query.find_first_not_of(" \t\r\n") != std::string::npos;
  auto fts = searching ? to_fts_query(query) : std::string();
  if (searching && fts.empty()) return page;  // only punctuation: nothing can match
  page.items = bus_.db().read([&](kernel::Connection& c) {
    return searching ? store::search(c, fts, after, kernel::rows_for_page(limit))
                     : store::page(c, after, kernel::rows_for_page(limit));
  });
  page.next_after = kernel::take_page(page.items, limit);
  return page;
}

void Catalog::apply_stock_level(kernel::Connection& c, std::int64_t product_id,
                                std::int64_t available) {
  store::set_in_stock(c, product_id, available > 0);
}

void Catalog::check_search(const std::string& text) {
  // A search runs on an I/O thread: its cost must stay bounded whatever a client sends.
  std::size_t characters = 0;
  std::size_t terms = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++characters;  // UTF-8: count each character's first byte
    bool word = std::isalnum(c) || c >= 0x80;
    if (word && !in_word) ++terms;
    in_word = word;
  }
  if (characters > kMaxSearchCharacters) {
    throw kernel::ApiError::unprocessable(
        "The search is too long.",
        {{"q", "must be at most " + std::to_string(kMaxSearchCharacters) + " characters"}});
  }
  if (terms > kMaxSearchTerms) {
    throw kernel::ApiError::unprocessable(
        "The search has too many words.",
        {{"q", "must have at most " + std::to_string(kMaxSearchTerms) + " words"}});
  }
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
