// Migration orders/0003 scrubs the card tokens an older build left in the orders database: the
// token of every order past the point of payment, and the token in the clear of every delivered
// PaymentRequested in the outbox. A pending order keeps its token, so that it can still be paid.

#include "store/order_store.hpp"

#include <kernel/database.hpp>
#include <kernel/migrations.hpp>
#include <migrations/embedded.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

namespace {

// The database as a build before the card token was sealed left it.
std::shared_ptr<kernel::Database> old_orders_database() {
  auto db = kernel::Database::open_in_memory("orders");
  kernel::apply_migrations(*db, "eventbus", mart::migrations::for_scope("eventbus"));
  auto old = mart::migrations::for_scope("orders");
  old.erase(std::remove_if(old.begin(), old.end(),
                           [](const kernel::Migration& m) { return m.version > 2; }),
            old.end());
  REQUIRE(old.size() == 2);
  kernel::apply_migrations(*db, "orders", old);
  db->write([](kernel::Connection& c) {
    c.exec(
        "INSERT INTO orders(id, user_id, status, cancel_reason, total_cents, currency, "
        "payment_token, created_at, updated_at, updated_ms) VALUES "
        "(1, 5, 'pending',   NULL,               100, 'USD', 'tok_pending_CANARY1', 'a', 'a', 1),"
        "(2, 5, 'cancelled', 'customer_request', 100, 'USD', 'tok_cancel_CANARY2',  'a', 'a', 1),"
        "(3, 5, 'cancelled', 'out_of_stock',     100, 'USD', 'tok_short_CANARY3',   'a', 'a', 1),"
        "(4, 5, 'confirmed', NULL,               100, 'USD', '',                    'a', 'a', 1),"
        "(5, 5, 'reserved',  NULL,               100, 'USD', 'tok_reserved_CANARY5','a', 'a', 1)");
    c.exec(
        "INSERT INTO bus_outbox(seq, event_id, type, topic, aggregate_key, correlation_id, "
        "occurred_ms, payload) VALUES "
        "(1, 'e1', 'orders.payment_requested.v1', 'OrderEvents', '4', 'c', 1, "
        "'{\"order_id\":4,\"user_id\":5,\"amount_cents\":100,\"currency\":\"USD\","
        "\"payment_token\":\"tok_delivered_CANARY4\"}'),"
        "(2, 'e2', 'orders.order_placed.v1', 'OrderEvents', '1', 'c', 1, "
        "'{\"order_id\":1,\"user_id\":5,\"lines\":[],\"total_cents\":100,\"currency\":\"USD\"}'),"
        "(3, 'e3', 'orders.payment_requested.v1', 'OrderEvents', '5', 'c', 1, "
        "'{\"order_id\":5,\"user_id\":5,\"amount_cents\":100,\"currency\":\"USD\","
        "\"payment_token\":\"tok_waiting_CANARY6\"}')");
    c.exec("UPDATE bus_delivered SET seq = 2 WHERE id = 1");
    c.exec("INSERT OR IGNORE INTO bus_delivered(id, seq, updated_ms) VALUES (1, 2, 1)");
  });
  return db;
}

std::string token_of(kernel::Database& db, std::int64_t id) {
  return db.read([&](kernel::Connection& c) { return orders::store::find(c, id)->payment_token; });
}

std::string payload_of(kernel::Database& db, std::int64_t seq) {
  return db.read([&](kernel::Connection& c) {
    SQLite::Statement select(c.raw(), "SELECT payload FROM bus_outbox WHERE seq = ?");
    select.bind(1, seq);
    REQUIRE(select.executeStep());
    return select.getColumn(0).getString();
  });
}

}  // namespace

TEST_SUITE("orders") {
  TEST_CASE("[CardToken] migration 0003 scrubs what an older build left, and only that") {
    auto db = old_orders_database();
    const auto before_placed = payload_of(*db, 2);
    REQUIRE(kernel::apply_migrations(*db, "orders", mart::migrations::for_scope("orders")) >= 1);

    // Past the point of payment: nothing left to keep it for.
    CHECK(token_of(*db, 2).empty());
    CHECK(token_of(*db, 3).empty());
    CHECK(token_of(*db, 4).empty());
    CHECK(token_of(*db, 5).empty());
    // Still pending: its PaymentRequested is still to come and must carry the token.
    CHECK(token_of(*db, 1) == "tok_pending_CANARY1");

    // A delivered PaymentRequested loses its token; the rest of it stays.
    const auto delivered = payload_of(*db, 1);
    CAPTURE(delivered);
    CHECK(delivered.find("CANARY4") == std::string::npos);
    CHECK(delivered.find("payment_token") == std::string::npos);
    CHECK(delivered.find("\"amount_cents\":100") != std::string::npos);
    // Other events are untouched; an undelivered PaymentRequested keeps its token for Payments.
    CHECK(payload_of(*db, 2) == before_placed);
    CHECK(payload_of(*db, 3).find("tok_waiting_CANARY6") != std::string::npos);
  }
}
