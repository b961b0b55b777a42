#pragma once
// The products table of the SQLite ceilings: the columns of api.md's Product, and the same
// generated rows that bench/seed_products.py posts to mart, so answers have the same size.

#include <SQLiteCpp/SQLiteCpp.h>
#include <boost/json.hpp>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

namespace bench {

inline constexpr const char* kCreateProducts = R"(
  CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL,
    price_cents INTEGER NOT NULL,
    currency    TEXT    NOT NULL DEFAULT 'USD',
    sku         TEXT,
    in_stock    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
  ))";

inline constexpr const char* kInsertProduct =
    "INSERT INTO products (name, description, price_cents, currency, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, 'USD', ?4, ?4)";

inline constexpr const char* kSelectProduct =
    "SELECT id, name, description, price_cents, currency, sku, in_stock, created_at, updated_at "
    "FROM products WHERE id = ?1";

// Generated product i (1-based), as bench/seed_products.py makes it.
inline std::string product_name(int i) {
  char text[32];
  std::snprintf(text, sizeof text, "Product %05d", i);
  return text;
}
inline std::string product_description(int i) {
  return "Benchmark product " + std::to_string(i) +
         ", seeded through the public API by bench/seed_products.py.";
}
inline std::int64_t product_price_cents(int i) {
  return 100 + (static_cast<std::int64_t>(i) * 37) % 99900;
}

// RFC 3339 UTC, seconds precision.
inline std::string now_rfc3339() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

// A fresh database file in WAL mode with an empty products table (an old file is removed).
inline SQLite::Database create_products_db(const std::string& file) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(file + suffix);
  }
  SQLite::Database db(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX);
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=NORMAL");
  db.exec(kCreateProducts);
  return db;
}

// The JSON form of a product (api.md's Product); a null `sku` is JSON null.
inline std::string product_json(std::int64_t id, std::string_view name,
                                std::string_view description, std::int64_t price_cents,
                                std::string_view currency, const char* sku, bool in_stock,
                                std::string_view created_at, std::string_view updated_at) {
  unsigned char buffer[2048];
  boost::json::monotonic_resource memory(buffer);
  boost::json::object product(&memory);
  product["id"] = id;
  product["name"] = name;
  product["description"] = description;
  product["price_cents"] = price_cents;
  product["currency"] = currency;
  if (sku == nullptr) {
    product["sku"] = nullptr;
  } else {
    product["sku"] = sku;
  }
  product["in_stock"] = in_stock;
  product["created_at"] = created_at;
  product["updated_at"] = updated_at;
  return boost::json::serialize(product);
}

// Serializes the current row of a kSelectProduct statement.
inline std::string product_json(SQLite::Statement& row) {
  const SQLite::Column sku = row.getColumn(5);
  return product_json(row.getColumn(0).getInt64(), row.getColumn(1).getText(),
                      row.getColumn(2).getText(), row.getColumn(3).getInt64(),
                      row.getColumn(4).getText(), sku.isNull() ? nullptr : sku.getText(),
                      row.getColumn(6).getInt() != 0, row.getColumn(7).getText(),
                      row.getColumn(8).getText());
}

}  // namespace bench
