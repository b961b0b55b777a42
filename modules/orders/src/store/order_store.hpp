#pragma once
// SQL of the orders tables: orders and their lines, the catalogue copy, idempotency keys.

#include "domain/order.hpp"

#include <kernel/database.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orders::store {

std::int64_t insert(kernel::Connection& c, const Order& order, std::int64_t now_ms);
std::optional<Order> find(kernel::Connection& c, std::int64_t id);
// Also forgets the card token: the order has left pending, so it is no longer needed.
void set_status(kernel::Connection& c, std::int64_t id, Status status,
                const std::optional<std::string>& cancel_reason, const std::string& at,
                std::int64_t at_ms);

struct PageQuery {
  std::optional<std::int64_t> user_id;  // all users when absent
  std::optional<Status> status;
  std::optional<std::int64_t> before;  // ids below this (newest first)
  int limit = 20;
};
std::vector<Order> page(kernel::Connection& c, const PageQuery& query);

// Orders in pending or reserved whose last change is older than `before_ms`.
std::int64_t count_stuck(kernel::Connection& c, std::int64_t before_ms);
// Orders per status (statuses without orders are absent).
std::map<std::string, std::int64_t> count_by_status(kernel::Connection& c);

struct CatalogEntry {
  std::string name;
  std::int64_t price_cents = 0;
  std::string currency;
  bool deleted = false;
};
void upsert_product(kernel::Connection& c, std::int64_t product_id, const CatalogEntry& entry);
void mark_product_deleted(kernel::Connection& c, std::int64_t product_id);
std::optional<CatalogEntry> find_product(kernel::Connection& c, std::int64_t product_id);

struct IdempotencyRecord {
  std::string request_hash;
  std::int64_t order_id = 0;
  std::string response_body;
};
std::optional<IdempotencyRecord> find_key(kernel::Connection& c, std::int64_t user_id,
                                          const std::string& key);
void insert_key(kernel::Connection& c, std::int64_t user_id, const std::string& key,
                const IdempotencyRecord& record, const std::string& at);

}  // namespace orders::store
