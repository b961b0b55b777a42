#include "usecases/ordering.hpp"

#include "domain/order_json.hpp"

#include "recording_bus.hpp"
#include "status_of.hpp"

#include <inventory/events.hpp>
#include <orders/events.hpp>
#include <payments/events.hpp>
#include <products/events.hpp>

#include <kernel/problem.hpp>

#include <doctest/doctest.h>

using namespace std::chrono_literals;

using mart::test::status_of;

namespace {

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& orders_bus = rb.host("orders");
  eventbus::ModuleBus& products_bus = rb.host("products");
  eventbus::ModuleBus& inventory_bus = rb.host("inventory");
  eventbus::ModuleBus& payments_bus = rb.host("payments");
  std::unique_ptr<kernel::Module> module = orders::make_module(orders_bus, {60s});
  orders::Ordering ordering{orders_bus, {60s}};
  kernel::Principal alice{1, kernel::Role::customer};
  kernel::Principal bob{2, kernel::Role::customer};
  kernel::Principal admin{9, kernel::Role::admin};
  eventbus::Trace trace{"t", ""};

  Fixture() {
    rb.inject("products", products::events::ProductCreated{10, "Tea", "", 250, "USD", ""});
    rb.inject("products", products::events::ProductCreated{11, "Mug", "", 900, "USD", ""});
    rb.inject("products", products::events::ProductCreated{12, "Yen tea", "", 30, "JPY", ""});
    rb.run_until_idle();
  }
  orders::Placed place(std::vector<orders::PlaceItem> items,
                       const std::optional<orders::IdempotencyKey>& key = std::nullopt,
                       const kernel::Principal& who = kernel::Principal{1,
                                                                        kernel::Role::customer}) {
    return ordering.place(who.user_id, {std::move(items), "tok", ""}, key, trace);
  }
};

}  // namespace

TEST_SUITE("orders") {
  TEST_CASE("[PlaceOrder] prices from its own catalogue copy and publishes OrderPlaced") {
    Fixture f;
    auto placed = f.place({{10, 2}, {11, 1}});
    CHECK(placed.order.total_cents == 1400);
    CHECK(placed.order.status == orders::Status::pending);
    auto events = f.rb.published<orders::events::OrderPlaced>("orders");
    REQUIRE(events.size() == 1);
    CHECK(events[0].lines.size() == 2);
    CHECK(events[0].lines[0].unit_price_cents == 250);
    CHECK(events[0].currency == "USD");
  }

  TEST_CASE("[PlaceOrder] keeps the shipping address and publishes it in orders.order_placed.v2") {
    Fixture f;
    auto placed =
        f.ordering.place(1, {{{10, 1}}, "tok", "12 Main St, Springfield"}, std::nullopt, f.trace);
    CHECK(placed.order.shipping_address == "12 Main St, Springfield");
    auto stored = f.ordering.get(placed.order.id, f.alice);
    CHECK(stored.shipping_address == "12 Main St, Springfield");
    auto events = f.rb.published<orders::events::OrderPlaced>("orders");
    REQUIRE(events.size() == 1);
    CHECK(events[0].shipping_address == "12 Main St, Springfield");
    CHECK(f.rb.published<orders::events::OrderPlacedV1>("orders").empty());

    CHECK_THROWS_AS(
        f.ordering.place(1, {{{10, 1}}, "tok", std::string(1001, 'a')}, std::nullopt, f.trace),
        kernel::ApiError);
  }

  TEST_CASE("[PlaceOrder] pinned to orders.order_placed.v1, publishes v1 (rolling upgrade)") {
    Fixture f;
    orders::Ordering pinned{f.orders_bus, {60s, 1}};
    auto placed = pinned.place(1, {{{10, 2}}, "tok", "12 Main St"}, std::nullopt, f.trace);
    CHECK(placed.order.shipping_address == "12 Main St");  // kept with the order all the same
    CHECK(f.rb.published<orders::events::OrderPlaced>("orders").empty());
    auto events = f.rb.published<orders::events::OrderPlacedV1>("orders");
    REQUIRE(events.size() == 1);
    CHECK(events[0].order_id == placed.order.id);
    CHECK(events[0].total_cents == 500);
  }

  TEST_CASE(
      "[PlaceOrder] rejects an empty order, bad quantities, unknown, deleted, mixed currency") {
    Fixture f;
    CHECK(status_of([&] { f.place({}); }) == 422);
    CHECK(status_of([&] { f.place({{10, 0}}); }) == 422);
    CHECK(status_of([&] { f.place({{10, 10'001}}); }) == 422);
    CHECK(status_of([&] { f.place({{99, 1}}); }) == 422);
    CHECK(status_of([&] { f.place({{10, 1}, {12, 1}}); }) == 422);
    f.rb.inject("products", products::events::ProductDeleted{11});
    f.rb.run_until_idle();
    CHECK(status_of([&] { f.place({{11, 1}}); }) == 422);
    CHECK(f.rb.published<orders::events::OrderPlaced>("orders").empty());
  }

  TEST_CASE("[PlaceOrder] an Idempotency-Key replays the first answer; another body is a 409") {
    Fixture f;
    orders::IdempotencyKey key{"k1", "hash-a"};
    auto first = f.place({{10, 1}}, key);
    auto again = f.place({{10, 1}}, key);
    CHECK(again.replayed_body == orders::order_document(first.order));
    CHECK(f.rb.published<orders::events::OrderPlaced>("orders").size() == 1);
    CHECK(status_of([&] { f.place({{10, 2}}, orders::IdempotencyKey{"k1", "hash-b"}); }) == 409);
    auto bobs = f.place({{10, 1}}, key, f.bob);  // keys are per user
    CHECK_FALSE(bobs.replayed_body);
  }

  TEST_CASE("[Flow] reserved -> payment requested -> confirmed; late outcomes change nothing") {
    Fixture f;
    auto id = f.place({{10, 2}}).order.id;
    f.rb.inject("inventory", inventory::events::StockReserved{id, {{10, 2}}});
    f.rb.run_until_idle();
    CHECK(f.ordering.get(id, f.alice).status == orders::Status::reserved);
    auto requested = f.rb.published<orders::events::PaymentRequested>("orders");
    REQUIRE(requested.size() == 1);
    CHECK(requested[0].amount_cents == 500);
    CHECK(requested[0].payment_token == "tok");

    f.rb.inject("payments", payments::events::PaymentSucceeded{1, id, 1, 500, "USD"});
    f.rb.run_until_idle();
    CHECK(f.ordering.get(id, f.alice).status == orders::Status::confirmed);
    CHECK(f.rb.published<orders::events::OrderConfirmed>("orders").size() == 1);

    // A duplicate success or a stray failure for a confirmed order is ignored.
    f.rb.inject("payments", payments::events::PaymentSucceeded{1, id, 1, 500, "USD"});
    f.rb.inject("payments", payments::events::PaymentFailed{2, id, 1, 500, "USD", "x"});
    f.rb.inject("inventory", inventory::events::StockReserved{id, {{10, 2}}});
    f.rb.run_until_idle();
    CHECK(f.ordering.get(id, f.alice).status == orders::Status::confirmed);
    CHECK(f.rb.published<orders::events::OrderConfirmed>("orders").size() == 1);
    CHECK(f.rb.published<orders::events::PaymentRequested>("orders").size() == 1);
  }

  TEST_CASE(
      "[Flow] a shortage or a decline cancels with its reason; a payment after a cancel "
      "does not confirm") {
    Fixture f;
    auto short_id = f.place({{10, 2}}).order.id;
    f.rb.inject("inventory", inventory::events::StockReservationFailed{short_id, {{10, 2, 1}}});
    auto declined_id = f.place({{10, 1}}).order.id;
    f.rb.inject("inventory", inventory::events::StockReserved{declined_id, {{10, 1}}});
    f.rb.run_until_idle();
    f.rb.inject("payments", payments::events::PaymentFailed{3, declined_id, 1, 250, "USD", "no"});
    f.rb.run_until_idle();
    CHECK(f.ordering.get(short_id, f.alice).cancel_reason == "out_of_stock");
    CHECK(f.ordering.get(declined_id, f.alice).cancel_reason == "payment_declined");
    auto cancelled = f.rb.published<orders::events::OrderCancelled>("orders");
    REQUIRE(cancelled.size() == 2);
    CHECK(cancelled[1].previous_status == "reserved");

    auto raced = f.place({{10, 1}}).order.id;
    f.rb.inject("inventory", inventory::events::StockReserved{raced, {{10, 1}}});
    f.rb.run_until_idle();
    f.ordering.cancel(raced, f.alice, f.trace);
    f.rb.inject("payments", payments::events::PaymentSucceeded{4, raced, 1, 250, "USD"});
    f.rb.run_until_idle();
    CHECK(f.ordering.get(raced, f.alice).status == orders::Status::cancelled);
  }

  TEST_CASE("[Orders] owners and admins see an order; cancel and ship follow the status machine") {
    Fixture f;
    auto id = f.place({{10, 1}}).order.id;
    CHECK(status_of([&] { f.ordering.get(id, f.bob); }) == 404);
    CHECK(f.ordering.get(id, f.admin).id == id);
    CHECK(status_of([&] { f.ordering.cancel(id, f.bob, f.trace); }) == 404);
    CHECK(status_of([&] { f.ordering.ship(id, f.trace); }) == 409);
    f.ordering.cancel(id, f.alice, f.trace);
    CHECK(status_of([&] { f.ordering.cancel(id, f.alice, f.trace); }) == 409);
    CHECK(f.rb.published<orders::events::OrderCancelled>("orders").at(0).previous_status ==
          "pending");
  }

  TEST_CASE("[Orders] lists newest first per user, filters by status, pages by cursor") {
    Fixture f;
    for (int i = 0; i < 3; ++i) f.place({{10, 1}});
    f.place({{10, 1}}, std::nullopt, f.bob);
    auto mine = f.ordering.list(f.alice, std::nullopt, std::nullopt, 2);
    REQUIRE(mine.items.size() == 2);
    CHECK(mine.items[0].id > mine.items[1].id);
    REQUIRE(mine.next_before);
    CHECK(f.ordering.list(f.alice, std::nullopt, mine.next_before, 2).items.size() == 1);
    CHECK(f.ordering.list(f.admin, std::nullopt, std::nullopt, 10).items.size() == 4);
    f.ordering.cancel(1, f.alice, f.trace);
    CHECK(f.ordering.list(f.alice, orders::Status::cancelled, std::nullopt, 10).items.size() == 1);
  }

  TEST_CASE("[Orders] an order that stops moving is counted as stuck") {
    Fixture f;
    f.place({{10, 1}});
    CHECK(f.ordering.stuck_orders() == 0);
    f.rb.clock().advance(61s);
    CHECK(f.ordering.stuck_orders() == 1);
  }
}
