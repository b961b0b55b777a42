#include "store/product_store.hpp"

namespace products::store {
namespace {

constexpr const char* kInsert =
    "INSERT INTO products(name, description, price_cents, currency, sku, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr const char* kFind =
    "SELECT id, name, description, price_cents, currency, sku, in_stock, created_at, updated_at "
    "FROM products WHERE id = ? AND deleted = 0";
constexpr const char* kUpdate =
    "UPDATE products SET name = ?, description = ?, price_cents = ?, currency = ?, sku = ?, "
    "updated_at = ? WHERE id = ?";
constexpr const char* kMarkDeleted =
    "UPDATE products SET deleted = 1, updated_at = ? WHERE id = ? AND deleted = 0";
constexpr const char* kSkuTaken =
    "SELECT 1 FROM products WHERE sku = ? AND deleted = 0 AND id <> ? LIMIT 1";
constexpr const char* kSetInStock = "UPDATE products SET in_stock = ? WHERE id = ?";
constexpr const char* kPage =
    "SELECT id, name, description, price_cents, currency, sku, in_stock, created_at, updated_at "
    "FROM products WHERE deleted = 0 AND id > ? ORDER BY id LIMIT ?";
constexpr const char* kSearch =
    "SELECT p.id, p.name, p.description, p.price_cents, p.currency, p.sku, p.in_stock, "
    "p.created_at, p.updated_at FROM products_fts f JOIN products p ON p.id = f.rowid "
    "WHERE products_fts MATCH ? AND p.deleted = 0 AND p.id > ? ORDER BY p.id LIMIT ?";

Product read_row(SQLite::Statement& row) {
  Product p;
  p.id = row.getColumn(0).getInt64();
  p.name = row.getColumn(1).getString();
  p.description = row.getColumn(2).getString();
  p.price_cents = row.getColumn(3).getInt64();
  p.currency = row.getColumn(4).getString();
  if (!row.getColumn(5).isNull()) p.sku = row.getColumn(5).getString();
  p.in_stock = row.getColumn(6).getInt() != 0;
  p.created_at = row.getColumn(7).getString();
  p.updated_at = row.getColumn(8).getString();
  return p;
}

std::vector<Product> read_all(SQLite::Statement& statement) {
  std::vector<Product> out;
  while (statement.executeStep()) out.push_back(read_row(statement));
  return out;
}

}  // namespace

std::int64_t insert(kernel::Connection& c, const Product& product) {
  auto& insert = c.prepare(kInsert);
  insert.bind(1, product.name);
  insert.bind(2, product.description);
  insert.bind(3, product.price_cents);
  insert.bind(4, product.currency);
  kernel::bind_optional(insert, 5, product.sku);
  insert.bind(6, product.created_at);
  insert.bind(7, product.updated_at);
  insert.exec();
  return c.last_insert_rowid();
}

std::optional<Product> find(kernel::Connection& c, std::int64_t id) {
  auto& select = c.prepare(kFind);
  select.bind(1, id);
  std::optional<Product> out;
  if (select.executeStep()) out = read_row(select);
  select.reset();
  return out;
}

void update(kernel::Connection& c, const Product& product) {
  auto& update = c.prepare(kUpdate);
  update.bind(1, product.name);
  update.bind(2, product.description);
  update.bind(3, product.price_cents);
  update.bind(4, product.currency);
  kernel::bind_optional(update, 5, product.sku);
  update.bind(6, product.updated_at);
  update.bind(7, product.id);
  update.exec();
}

void mark_deleted(kernel::Connection& c, std::int64_t id, const std::string& at) {
  auto& update = c.prepare(kMarkDeleted);
  update.bind(1, at);
  update.bind(2, id);
  update.exec();
}

bool sku_taken(kernel::Connection& c, const std::string& sku, std::int64_t except_id) {
  auto& select = c.prepare(kSkuTaken);
  select.bind(1, sku);
  select.bind(2, except_id);
  bool taken = select.executeStep();
  select.reset();
  return taken;
}

void set_in_stock(kernel::Connection& c, std::int64_t id, bool in_stock) {
  auto& update = c.prepare(kSetInStock);
  update.bind(1, in_stock ? 1 : 0);
  update.bind(2, id);
  update.exec();
}

std::vector<Product> page(kernel::Connection& c, std::int64_t after, int limit) {
  auto& select = c.prepare(kPage);
  select.bind(1, after);
  select.bind(2, limit);
  return read_all(select);
}

std::vector<Product> search(kernel::Connection& c, const std::string& fts_query, std::int64_t after,
                            int limit) {
  auto& select = c.prepare(kSearch);
  select.bind(1, fts_query);
  select.bind(2, after);
  select.bind(3, limit);
  return read_all(select);
}

}  // namespace products::store
