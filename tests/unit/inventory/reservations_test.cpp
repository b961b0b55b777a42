#include "inventory_fixture.hpp"

#include <cstdint>
#include <map>
#include <random>

using namespace inventory_test;
using inventory::ReservationStatus;
namespace ev = inventory::events;

TEST_SUITE("inventory") {
  TEST_CASE("[Reservations] a new product gets stock at zero; a repeated ProductCreated keeps it") {
    Fixture f;
    CHECK(status_of([&] { f.levels(5); }) == 404);
    f.product(5, 3);
    CHECK(f.levels(5) == lv(5, 3, 0, 0));
    f.rb.inject("products", products::events::ProductCreated{5, "again", "", 1, "USD", ""});
    f.rb.run_until_idle();
    CHECK(f.levels(5) == lv(5, 3, 0, 0));
  }

  TEST_CASE("[Reservations] OrderPlaced holds every line and publishes StockReserved") {
    Fixture f;
    f.product(1, 10);
    f.product(2, 5);
    auto levels_before = f.rb.published<ev::StockLevelChanged>("inventory").size();
    f.place(100, {{1, 4, 100}, {2, 5, 200}});
    CHECK(f.levels(1) == lv(1, 6, 4, 0));
    CHECK(f.levels(2) == lv(2, 0, 5, 0));
    auto reserved = f.rb.published<ev::StockReserved>("inventory");
    REQUIRE(reserved.size() == 1);
    CHECK(reserved[0].order_id == 100);
    REQUIRE(reserved[0].lines.size() == 2);
    CHECK(reserved[0].lines[0].product_id == 1);
    CHECK(reserved[0].lines[0].quantity == 4);
    CHECK(reserved[0].lines[1].product_id == 2);
    CHECK(reserved[0].lines[1].quantity == 5);
    CHECK(f.reservation(100)->status == ReservationStatus::held);
    // Levels only for product 2, which sold out; product 1 is still in stock.
    auto levels = f.rb.published<ev::StockLevelChanged>("inventory");
    REQUIRE(levels.size() == levels_before + 1);
    CHECK(levels.back().product_id == 2);
    CHECK(levels.back().available == 0);
    CHECK(levels.back().reserved == 5);
    CHECK(levels.back().sold == 0);
    CHECK(f.last_levels_event(1)->available == 10);  // the restock's
    CHECK(f.rb.published<ev::StockReservationFailed>("inventory").empty());
    CHECK(f.ledger_faults().empty());
  }

  TEST_CASE("[Reservations] an orders.order_placed.v1 (an older publisher) reserves as v2 does") {
    Fixture f;
    f.product(1, 10);
    f.place_v1(100, {{1, 4, 100}});
    f.place(101, {{1, 2, 100}});
    CHECK(f.levels(1) == lv(1, 4, 6, 0));
    auto reserved = f.rb.published<ev::StockReserved>("inventory");
    REQUIRE(reserved.size() == 2);
    CHECK(reserved[0].order_id == 100);
    CHECK(reserved[1].order_id == 101);
    CHECK(f.reservation(100)->status == ReservationStatus::held);
    // The same order placed again (in the other version) holds nothing more.
    f.place_v1(100, {{1, 4, 100}});
    CHECK(f.levels(1) == lv(1, 4, 6, 0));
  }

  TEST_CASE("[Reservations] one short line in a multi-line order: nothing held, all shorts named") {
    Fixture f;
    f.product(1, 10);
    f.product(2, 2);
    f.product(3, 1);
    auto before = f.rb.published<ev::StockLevelChanged>("inventory").size();
    // Product 2 is short, product 9 is unknown to inventory, product 1 and 3 could be held.
    f.place(100, {{1, 4, 1}, {2, 3, 1}, {3, 1, 1}, {9, 1, 1}});
    CHECK(f.levels(1) == lv(1, 10, 0, 0));
    CHECK(f.levels(2) == lv(2, 2, 0, 0));
    CHECK(f.levels(3) == lv(3, 1, 0, 0));
    auto failed = f.rb.published<ev::StockReservationFailed>("inventory");
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].order_id == 100);
    REQUIRE(failed[0].short_lines.size() == 2);
    CHECK(failed[0].short_lines[0].product_id == 2);
    CHECK(failed[0].short_lines[0].requested == 3);
    CHECK(failed[0].short_lines[0].available == 2);
    CHECK(failed[0].short_lines[1].product_id == 9);
    CHECK(failed[0].short_lines[1].requested == 1);
    CHECK(failed[0].short_lines[1].available == 0);
    CHECK(f.rb.published<ev::StockReserved>("inventory").empty());
    CHECK(f.rb.published<ev::StockLevelChanged>("inventory").size() == before);
    CHECK(f.reservation(100)->status == ReservationStatus::failed);
    // A failed order's later cancel (out_of_stock) and a stray confirm change nothing.
    f.cancel(100, "pending");
    f.confirm(100);
    CHECK(f.reservation(100)->status == ReservationStatus::failed);
    CHECK(f.levels(1) == lv(1, 10, 0, 0));
    CHECK(f.ledger_faults().empty());
  }

  TEST_CASE("[Reservations] repeated product lines are summed before they are checked") {
    Fixture f;
    f.product(1, 5);
    f.place(100, {{1, 3, 1}, {1, 3, 1}});  // 6 > 5 although each line fits
    CHECK(f.levels(1) == lv(1, 5, 0, 0));
    auto failed = f.rb.published<ev::StockReservationFailed>("inventory");
    REQUIRE(failed.size() == 1);
    REQUIRE(failed[0].short_lines.size() == 1);
    CHECK(failed[0].short_lines[0].requested == 6);
    CHECK(failed[0].short_lines[0].available == 5);

    f.place(101, {{1, 2, 1}, {1, 3, 1}});  // exactly 5
    CHECK(f.levels(1) == lv(1, 0, 5, 0));
    auto reserved = f.rb.published<ev::StockReserved>("inventory");
    REQUIRE(reserved.size() == 1);
    REQUIRE(reserved[0].lines.size() == 1);
    CHECK(reserved[0].lines[0].quantity == 5);
    f.cancel(101);
    CHECK(f.levels(1) == lv(1, 5, 0, 0));
    auto released = f.rb.published<ev::StockReleased>("inventory");
    REQUIRE(released.size() == 1);
    CHECK(released[0].lines.at(0).quantity == 5);
  }

  TEST_CASE("[Reservations] a line with quantity below 1 fails the whole order") {
    Fixture f;
    f.product(1, 5);
    f.product(2, 5);
    f.place(100, {{1, 2, 1}, {2, 0, 1}});
    CHECK(f.reservation(100)->status == ReservationStatus::failed);
    CHECK(f.levels(1) == lv(1, 5, 0, 0));
    auto failed = f.rb.published<ev::StockReservationFailed>("inventory");
    REQUIRE(failed.size() == 1);
    CHECK(failed[0].short_lines.at(0).product_id == 2);
  }

  TEST_CASE("[Reservations] confirm sells the held stock and publishes StockCommitted only") {
    Fixture f;
    f.product(1, 10);
    f.place(100, {{1, 4, 1}});
    auto published = f.published_count();
    f.confirm(100);
    CHECK(f.levels(1) == lv(1, 6, 0, 4));
    CHECK(f.reservation(100)->status == ReservationStatus::committed);
    auto committed = f.rb.published<ev::StockCommitted>("inventory");
    REQUIRE(committed.size() == 1);
    CHECK(committed[0].order_id == 100);
    CHECK(committed[0].lines.at(0).quantity == 4);
    // reserved -> sold leaves available as it was: no StockLevelChanged.
    CHECK(f.published_count() == published + 1);
    CHECK(f.rb.envelopes("inventory").back().type == "inventory.stock_committed.v1");
    CHECK(f.ledger_faults().empty());
  }

  TEST_CASE("[Reservations] cancel before payment releases the hold") {
    Fixture f;
    f.product(1, 10);
    f.place(100, {{1, 4, 1}});
    f.cancel(100, "reserved");
    CHECK(f.levels(1) == lv(1, 10, 0, 0));
    CHECK(f.reservation(100)->status == ReservationStatus::released);
    auto released = f.rb.published<ev::StockReleased>("inventory");
    REQUIRE(released.size() == 1);
    CHECK(released[0].order_id == 100);
    // Still in stock throughout: the only levels published are the restock's.
    CHECK(f.rb.published<ev::StockLevelChanged>("inventory").size() == 1);
    CHECK(f.last_levels_event(1)->available == 10);
  }

  TEST_CASE("[Reservations] cancel after confirm puts the sold stock back") {
    Fixture f;
    f.product(1, 10);
    f.place(100, {{1, 4, 1}});
    f.confirm(100);
    f.cancel(100, "confirmed");
    CHECK(f.levels(1) == lv(1, 10, 0, 0));
    CHECK(f.reservation(100)->status == ReservationStatus::returned);
    auto released = f.rb.published<ev::StockReleased>("inventory");
    REQUIRE(released.size() == 1);
    CHECK(released[0].lines.at(0).quantity == 4);
    CHECK(f.rb.published<ev::StockLevelChanged>("inventory").size() == 1);  // the restock's
    CHECK(f.ledger_faults().empty());
  }

  TEST_CASE("[Reservations] StockLevelChanged when a product goes out of stock and back, only") {
    Fixture f;
    auto levels_events = [&] { return f.rb.published<ev::StockLevelChanged>("inventory"); };
    auto last = [&] {
      auto e = levels_events().back();
      return inventory::StockLevels{e.product_id, e.available, e.reserved, e.sold};
    };
    f.product(1, 5);
    f.product(2, 5);
    REQUIRE(levels_events().size() == 2);  // the restocks

    f.place(100, {{1, 3, 1}});  // 5 -> 2 available: an ordinary reservation
    CHECK(levels_events().size() == 2);
    f.confirm(100);  // a commit never changes available
    CHECK(levels_events().size() == 2);

    f.place(101, {{1, 2, 1}, {2, 1, 1}});  // product 1 sells out (2 -> 0), product 2 does not
    REQUIRE(levels_events().size() == 3);
    CHECK(last() == lv(1, 0, 2, 3));
    f.confirm(101);
    CHECK(levels_events().size() == 3);
    f.place(102, {{1, 1, 1}});  // refused: out of stock, nothing moves
    CHECK(levels_events().size() == 3);

    f.restock(2, 1);  // an adjustment always publishes, flip or not
    REQUIRE(levels_events().size() == 4);
    CHECK(last() == lv(2, 5, 0, 1));

    f.cancel(101, "confirmed");  // sold stock back: product 1 in stock again (0 -> 2)
    REQUIRE(levels_events().size() == 5);
    CHECK(last() == lv(1, 2, 0, 3));
    f.cancel(100, "confirmed");  // 2 -> 5: still in stock
    CHECK(levels_events().size() == 5);

    f.place(103, {{1, 5, 1}});  // held: out of stock (5 -> 0)
    REQUIRE(levels_events().size() == 6);
    CHECK(last() == lv(1, 0, 5, 0));
    f.cancel(103, "reserved");  // released: back in stock (0 -> 5)
    REQUIRE(levels_events().size() == 7);
    CHECK(last() == lv(1, 5, 0, 0));

    f.place(104, {{1, 5, 1}});  // out of stock again
    REQUIRE(levels_events().size() == 8);
    f.restock(1, 2);  // an adjustment that takes it back in stock
    REQUIRE(levels_events().size() == 9);
    CHECK(last() == lv(1, 2, 5, 0));
    f.restock(1, -2);  // and one that takes it out again
    REQUIRE(levels_events().size() == 10);
    CHECK(last() == lv(1, 0, 5, 0));
    f.cancel(104, "reserved");
    REQUIRE(levels_events().size() == 11);
    CHECK(last() == lv(1, 5, 0, 0));
    CHECK(f.ledger_faults().empty());
  }

  TEST_CASE("[Reservations] repeated and out-of-state events change nothing and publish nothing") {
    Fixture f;
    f.product(1, 10);
    f.place(100, {{1, 4, 1}});
    auto published = f.published_count();

    SUBCASE("a second OrderPlaced for the same order") {
      f.place(100, {{1, 4, 1}});
      CHECK(f.levels(1) == lv(1, 6, 4, 0));
    }
    SUBCASE("a second confirm, then a cancel, then another cancel") {
      f.confirm(100);
      published = f.published_count();
      f.confirm(100);
      CHECK(f.published_count() == published);
      f.cancel(100, "confirmed");
      published = f.published_count();
      f.cancel(100, "confirmed");
      f.confirm(100);
      f.place(100, {{1, 4, 1}});
      CHECK(f.levels(1) == lv(1, 10, 0, 0));
      CHECK(f.reservation(100)->status == ReservationStatus::returned);
    }
    SUBCASE("a confirm after the order was cancelled (released)") {
      f.cancel(100);
      published = f.published_count();
      f.confirm(100);
      f.cancel(100);
      CHECK(f.levels(1) == lv(1, 10, 0, 0));
      CHECK(f.reservation(100)->status == ReservationStatus::released);
    }
    SUBCASE("confirm and cancel of orders inventory never saw") {
      f.confirm(555);
      CHECK_FALSE(f.reservation(555));
      f.cancel(556);
      CHECK(f.levels(1) == lv(1, 6, 4, 0));
    }
    CHECK(f.published_count() == published);
    CHECK(f.ledger_faults().empty());
  }

  TEST_CASE("[Reservations] an OrderPlaced arriving after the order's cancel holds nothing") {
    Fixture f;
    f.product(1, 10);
    f.cancel(100, "pending");  // e.g. on_order_placed was parked for retry meanwhile
    CHECK(f.reservation(100)->status == ReservationStatus::voided);
    auto published = f.published_count();
    f.place(100, {{1, 4, 1}});
    CHECK(f.levels(1) == lv(1, 10, 0, 0));
    CHECK(f.reservation(100)->status == ReservationStatus::voided);
    CHECK(f.published_count() == published);
  }

  TEST_CASE("[Reservations] events re-read after a lost position are recognised and skipped") {
    Fixture f;
    f.product(1, 10);
    f.place(100, {{1, 4, 1}});
    f.confirm(100);
    auto published = f.published_count();
    // As after a crash before the read position was saved: a new bus over the same databases,
    // with inventory's positions rewound, delivers every products and orders event again.
    f.inventory_bus.db().write(
        [](kernel::Connection& c) { c.exec("UPDATE bus_positions SET seq = 0"); });
    eventbus::BusOptions options;
    options.clock = &f.rb.clock();
    eventbus::Bus again(options);
    auto& inventory_again = again.attach("inventory", f.inventory_bus.db_handle());
    again.attach("products", f.products_bus.db_handle());
    again.attach("orders", f.orders_bus.db_handle());
    auto module = inventory::make_module(inventory_again);
    CHECK(again.run_until_idle() > 0);
    CHECK(f.levels(1) == lv(1, 6, 0, 4));
    CHECK(f.reservation(100)->status == ReservationStatus::committed);
    CHECK(f.published_count() == published);
  }

  TEST_CASE("[Reservations] stock is conserved over a random run of orders and adjustments") {
    Fixture f;
    constexpr int kProducts = 4;
    for (int p = 1; p <= kProducts; ++p) f.product(p, 5);
    std::map<std::int64_t, std::int64_t> adjusted;  // the model: sum of accepted adjustments
    for (int p = 1; p <= kProducts; ++p) adjusted[p] = 5;
    std::mt19937 rng(20240601);  // fixed seed: the same run every time
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    std::int64_t next_order = 1;

    for (int step = 0; step < 400; ++step) {
      switch (pick(6)) {
        case 0: {  // restock or write-off, possibly refused
          std::int64_t product = 1 + pick(kProducts);
          std::int64_t delta = pick(9) - 3;
          if (delta == 0) delta = 4;
          int status = status_of([&] { f.restock(product, delta); });
          CHECK((status == 0 || status == 409));
          if (status == 0) adjusted[product] += delta;
          break;
        }
        case 1:
        case 2: {  // an order of 1..3 lines, sometimes repeating a product or naming an unknown one
          std::vector<orders::events::OrderLine> lines;
          for (int n = 1 + pick(3); n > 0; --n) {
            lines.push_back({1 + pick(kProducts + 1), 1 + pick(4), 100});
          }
          f.place(next_order++, lines);
          break;
        }
        case 3:
          f.confirm(1 + pick(static_cast<int>(next_order)));
          break;
        case 4:
          f.cancel(1 + pick(static_cast<int>(next_order)));
          break;
        default:  // a duplicate of an earlier event with the same content
          if (pick(2) == 0) {
            f.place(1 + pick(static_cast<int>(next_order)), {{1, 1, 100}});
          } else {
            f.confirm(1 + pick(static_cast<int>(next_order)));
          }
          break;
      }
      auto faults = f.ledger_faults();
      if (!faults.empty()) {
        FAIL_CHECK("step ", step, ": ", faults.front());
        break;
      }
      if (step % 10 == 0) {
        // What a consumer of StockLevelChanged (products' in_stock) knows is always right.
        for (int p = 1; p <= kProducts; ++p) {
          auto last = f.last_levels_event(p);
          REQUIRE(last);
          if ((last->available > 0) != f.levels(p).in_stock()) {
            FAIL_CHECK("step ", step, ": product ", p, " in_stock is stale");
          }
        }
      }
    }

    for (int p = 1; p <= kProducts; ++p) {
      auto levels = f.levels(p);
      CHECK(levels.total() == adjusted[p]);
      CHECK(levels.available >= 0);
      // The last StockLevelChanged tells consumers whether the product is in stock.
      auto last = f.last_levels_event(p);
      REQUIRE(last);
      CHECK((last->available > 0) == levels.in_stock());
    }
    // Fewer levels than moves: published on adjustments and flips only.
    CHECK(f.rb.published<ev::StockLevelChanged>("inventory").size() <
          f.rb.published<ev::StockReserved>("inventory").size() +
              f.rb.published<ev::StockCommitted>("inventory").size() +
              f.rb.published<ev::StockReleased>("inventory").size());
    // The run exercised both outcomes and the later transitions (not a vacuous pass).
    CHECK(f.rb.published<ev::StockReserved>("inventory").size() > 10);
    CHECK(f.rb.published<ev::StockReservationFailed>("inventory").size() > 10);
    CHECK(f.rb.published<ev::StockCommitted>("inventory").size() > 3);
    CHECK(f.rb.published<ev::StockReleased>("inventory").size() > 3);
  }
}
