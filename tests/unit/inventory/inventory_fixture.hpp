#pragma once
// Inventory hosted on a recording bus beside the publishers it listens to (products, orders),
// with helpers to stimulate it with their events and to read its tables back.

#include "store/reservation_store.hpp"
#include "store/stock_store.hpp"
#include "usecases/stock_ledger.hpp"

#include "recording_bus.hpp"
#include "status_of.hpp"

#include <inventory/events.hpp>
#include <inventory/module.hpp>
#include <orders/events.hpp>
#include <products/events.hpp>

#include <doctest/doctest.h>

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

// So doctest prints levels and lines when a comparison fails.
namespace inventory {
inline std::ostream& operator<<(std::ostream& out, const StockLevels& l) {
  return out << "{product " << l.product_id << ": available " << l.available << ", reserved "
             << l.reserved << ", sold " << l.sold << "}";
}
inline std::ostream& operator<<(std::ostream& out, const Line& l) {
  return out << "{product " << l.product_id << " x " << l.quantity << "}";
}
}  // namespace inventory

namespace inventory_test {

using mart::test::status_of;

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& inventory_bus = rb.host("inventory");
  eventbus::ModuleBus& products_bus = rb.host("products");
  eventbus::ModuleBus& orders_bus = rb.host("orders");
  std::unique_ptr<kernel::Module> module = inventory::make_module(inventory_bus);
  inventory::StockLedger ledger{inventory_bus};
  eventbus::Trace trace{"req-1", ""};

  // A product known to inventory, restocked with `available` units.
  std::int64_t product(std::int64_t id, std::int64_t available = 0) {
    rb.inject("products", products::events::ProductCreated{id, "p", "", 100, "USD", ""});
    rb.run_until_idle();
    if (available > 0) restock(id, available);
    return id;
  }

  inventory::StockLevels restock(std::int64_t id, std::int64_t delta) {
    return ledger.adjust(id, {delta, std::string("restock")}, trace);
  }

  void place(std::int64_t order_id, std::vector<orders::events::OrderLine> lines) {
    rb.inject("orders", orders::events::OrderPlaced{order_id, 1, std::move(lines), 0, "USD", ""});
    rb.run_until_idle();
  }
  // As a build before orders.order_placed.v2 (or one pinned to v1) publishes it.
  void place_v1(std::int64_t order_id, std::vector<orders::events::OrderLine> lines) {
    rb.inject("orders", orders::events::OrderPlacedV1{order_id, 1, std::move(lines), 0, "USD"});
    rb.run_until_idle();
  }
  void confirm(std::int64_t order_id) {
    rb.inject("orders", orders::events::OrderConfirmed{order_id, 1, 0, "USD"});
    rb.run_until_idle();
  }
  void cancel(std::int64_t order_id, std::string previous_status = "reserved") {
    rb.inject("orders", orders::events::OrderCancelled{order_id, 1, "customer_request",
                                                       std::move(previous_status)});
    rb.run_until_idle();
  }

  inventory::StockLevels levels(std::int64_t id) { return ledger.get(id); }

  std::optional<inventory::Reservation> reservation(std::int64_t order_id) {
    return inventory_bus.db().read(
        [&](kernel::Connection& c) { return inventory::store::find_reservation(c, order_id); });
  }

  std::size_t published_count() { return rb.envelopes("inventory").size(); }

  // The last StockLevelChanged published for a product.
  std::optional<inventory::events::StockLevelChanged> last_levels_event(std::int64_t id) {
    std::optional<inventory::events::StockLevelChanged> out;
    for (const auto& e : rb.published<inventory::events::StockLevelChanged>("inventory")) {
      if (e.product_id == id) out = e;
    }
    return out;
  }

  // The ledger agrees with itself: per product, the three columns sum to the adjustments, and
  // reserved / sold equal the lines of held / committed reservations. Returns what disagrees.
  std::vector<std::string> ledger_faults() {
    std::vector<std::string> faults;
    inventory_bus.db().read([&](kernel::Connection& c) {
      for (auto id : inventory::store::unbalanced_products(c)) {
        faults.push_back("product " + std::to_string(id) + " is not conserved");
      }
      SQLite::Statement check(
          c.raw(),
          "SELECT s.product_id, s.reserved, s.sold, "
          " COALESCE((SELECT SUM(l.quantity) FROM reservation_lines l JOIN reservations r "
          "   ON r.order_id = l.order_id WHERE l.product_id = s.product_id "
          "   AND r.status = 'held'), 0), "
          " COALESCE((SELECT SUM(l.quantity) FROM reservation_lines l JOIN reservations r "
          "   ON r.order_id = l.order_id WHERE l.product_id = s.product_id "
          "   AND r.status = 'committed'), 0) "
          "FROM stock s");
      while (check.executeStep()) {
        auto id = check.getColumn(0).getInt64();
        if (check.getColumn(1).getInt64() != check.getColumn(3).getInt64()) {
          faults.push_back("product " + std::to_string(id) + " reserved != held lines");
        }
        if (check.getColumn(2).getInt64() != check.getColumn(4).getInt64()) {
          faults.push_back("product " + std::to_string(id) + " sold != committed lines");
        }
      }
    });
    return faults;
  }
};

inline inventory::StockLevels lv(std::int64_t id, std::int64_t a, std::int64_t r, std::int64_t s) {
  return {id, a, r, s};
}

}  // namespace inventory_test
