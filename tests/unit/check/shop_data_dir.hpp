#pragma once
// A data directory as a running mart leaves it, written by SQL: every module database migrated,
// and a small shop whose rows satisfy every invariant — a confirmed and paid order, one in
// flight, a cancelled and refunded one, their stock, a notification, a consumer position. A test
// then breaks one invariant with SQL and expects the checker to name it.

#include "temp_dir.hpp"

#include <kernel/database.hpp>
#include <kernel/migrations.hpp>
#include <mart/module_list.hpp>
#include <migrations/embedded.hpp>

#include <SQLiteCpp/Database.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace mart::test {

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class ShopDataDir {
 public:
  // A copy of the shop, which is built once (migrating six databases takes a while).
  ShopDataDir() {
    static const ShopDataDir original(Build{});
    for (const auto& entry : std::filesystem::directory_iterator(original.path())) {
      std::filesystem::copy_file(entry.path(), dir_.path() / entry.path().filename());
    }
    // Its orders moved just now, whenever the original was built.
    sql("orders", "UPDATE orders SET updated_ms = " + std::to_string(now_ms()));
  }

  const std::filesystem::path& path() const { return dir_.path(); }
  std::filesystem::path file(std::string_view module) const {
    return dir_.path() / (std::string(module) + ".db");
  }
  // Runs `statements` on `module`'s database; CHECK constraints are off, so a test can write
  // what only a bug (or a hand) could.
  void sql(std::string_view module, const std::string& statements) const {
    SQLite::Database db(file(module).string(), SQLite::OPEN_READWRITE);
    db.exec("PRAGMA ignore_check_constraints = ON");
    db.exec(statements);
  }

 private:
  struct Build {};
  explicit ShopDataDir(Build) {
    for (auto name : kModuleNames) {
      auto db = kernel::Database::open(std::string(name), file(name));
      kernel::apply_migrations(*db, "eventbus", migrations::for_scope("eventbus"));
      kernel::apply_migrations(*db, std::string(name), migrations::for_scope(name));
    }
    const auto now = std::to_string(now_ms());
    sql("inventory",
        "INSERT INTO stock(product_id, available, reserved, sold, created_at, updated_at) "
        "VALUES (1, 7, 1, 2, 't', 't');"
        "INSERT INTO adjustments(product_id, delta, reason, at) VALUES (1, 10, 'restock', 't');"
        "INSERT INTO reservations(order_id, status, created_at, updated_at) VALUES "
        "(1, 'committed', 't', 't'), (2, 'held', 't', 't'), (3, 'released', 't', 't');"
        "INSERT INTO reservation_lines(order_id, product_id, quantity, position) VALUES "
        "(1, 1, 2, 0), (2, 1, 1, 0), (3, 1, 4, 0);"
        "INSERT INTO bus_positions(source, seq) VALUES ('orders', 3), ('products', 1);");
    sql("orders",
        "INSERT INTO orders(id, user_id, status, cancel_reason, total_cents, currency, created_at, "
        "updated_at, updated_ms) VALUES "
        "(1, 7, 'confirmed', NULL, 500, 'USD', 't', 't', " +
            now +
            "),"
            "(2, 7, 'reserved', NULL, 250, 'USD', 't', 't', " +
            now +
            "),"
            "(3, 7, 'cancelled', 'customer_request', 1000, 'USD', 't', 't', " +
            now +
            ");"
            "INSERT INTO bus_outbox(seq, event_id, type, topic, aggregate_key, correlation_id, "
            "occurred_ms, payload) VALUES "
            "(1, 'e1', 'orders.order_placed.v1', 'OrderEvents', 'order/1', 'c', 0, '{}'),"
            "(2, 'e2', 'orders.order_placed.v1', 'OrderEvents', 'order/2', 'c', 0, '{}'),"
            "(3, 'e3', 'orders.order_placed.v1', 'OrderEvents', 'order/3', 'c', 0, '{}');"
            "UPDATE bus_delivered SET seq = 3;");
    sql("products",
        "INSERT INTO bus_outbox(seq, event_id, type, topic, aggregate_key, correlation_id, "
        "occurred_ms, payload) VALUES "
        "(1, 'p1', 'products.product_created.v1', 'ProductEvents', 'product/1', 'c', 0, '{}');");
    sql("payments",
        "INSERT INTO payments(id, order_id, user_id, amount_cents, currency, status, created_at, "
        "updated_at) VALUES (1, 1, 7, 500, 'USD', 'succeeded', 't', 't'),"
        "(2, 3, 7, 1000, 'USD', 'refunded', 't', 't');");
    sql("notifications",
        "INSERT INTO notifications(user_id, source_event_id, source_envelope_id, event_type, "
        "order_id, message, channel, created_at) VALUES "
        "(7, 'orders.order_placed.v1/order/1', 'e1', 'orders.order_placed.v1', 1, 'm', 'log', "
        "'t');");
  }

  TempDir dir_;
};

}  // namespace mart::test
