// The card token in Orders: sealed the moment an order is placed, kept only while the order is
// pending, and never shown in an order's timeline (shared api.md, Payments).

#include "store/order_store.hpp"
#include "usecases/ordering.hpp"

#include "recording_bus.hpp"

#include <inventory/events.hpp>
#include <orders/events.hpp>
#include <products/events.hpp>

#include <kernel/router.hpp>
#include <kernel/sealed_text.hpp>

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

using namespace std::chrono_literals;

namespace {

constexpr std::string_view kCanary = "tok_visa_CANARY7731";

struct Fixture {
  mart::test::RecordingBus rb;
  eventbus::ModuleBus& orders_bus = rb.host("orders");
  eventbus::ModuleBus& products_bus = rb.host("products");
  eventbus::ModuleBus& inventory_bus = rb.host("inventory");
  eventbus::ModuleBus& payments_bus = rb.host("payments");
  std::unique_ptr<kernel::Module> module = orders::make_module(orders_bus, {60s});
  orders::Ordering ordering{orders_bus, {60s}};
  kernel::Principal alice{1, kernel::Role::customer};
  eventbus::Trace trace{"t", ""};
  kernel::Router router;

  Fixture() {
    module->add_routes(router);
    rb.inject("products", products::events::ProductCreated{10, "Tea", "", 250, "USD", ""});
    rb.run_until_idle();
  }

  std::int64_t place(std::string_view token = kCanary) {
    return ordering.place(alice.user_id, {{{10, 1}}, std::string(token), ""}, std::nullopt, trace)
        .order.id;
  }

  // The token column of the order's row, as it is in the orders database.
  std::string stored_token(std::int64_t id) {
    return orders_bus.db().read([&](kernel::Connection& c) {
      SQLite::Statement select(c.raw(), "SELECT payment_token FROM orders WHERE id = ?");
      select.bind(1, id);
      REQUIRE(select.executeStep());
      return select.getColumn(0).getString();
    });
  }

  // Every byte of text the orders database holds in its tables.
  std::string all_orders_text() {
    return orders_bus.db().read([&](kernel::Connection& c) {
      std::string text;
      SQLite::Statement tables(c.raw(), "SELECT name FROM sqlite_master WHERE type = 'table'");
      std::vector<std::string> names;
      while (tables.executeStep()) names.push_back(tables.getColumn(0).getString());
      for (const auto& name : names) {
        SQLite::Statement rows(c.raw(), "SELECT * FROM \"" + name + "\"");
        while (rows.executeStep()) {
          for (int i = 0; i < rows.getColumnCount(); ++i) {
            text += rows.getColumn(i).getString();
            text += '\n';
          }
        }
      }
      return text;
    });
  }

  kernel::Response timeline(std::int64_t id) {
    kernel::Request r;
    r.method = "GET";
    r.path = "/api/v1/orders/" + std::to_string(id) + "/events";
    r.request_id = "rid";
    r.principal = alice;
    return router.dispatch(r);
  }
};

}  // namespace

TEST_SUITE("orders") {
  TEST_CASE("[CardToken] an order keeps its token sealed from the moment it is placed") {
    Fixture f;
    auto id = f.place();
    const auto stored = f.stored_token(id);
    CHECK(stored.find(kCanary) == std::string::npos);
    CHECK(kernel::sealed_text::looks_sealed(stored));
    CHECK(kernel::sealed_text::open(stored) == std::optional<std::string>(kCanary));
    CHECK(f.all_orders_text().find(kCanary) == std::string::npos);
  }

  TEST_CASE("[CardToken] the token goes once PaymentRequested is published; it still reaches it") {
    Fixture f;
    auto id = f.place();
    f.rb.inject("inventory", inventory::events::StockReserved{id, {{10, 1}}});
    f.rb.run_until_idle();
    auto requested = f.rb.published<orders::events::PaymentRequested>("orders");
    REQUIRE(requested.size() == 1);
    CHECK(requested[0].payment_token == kCanary);
    CHECK(f.stored_token(id).empty());
    CHECK(f.all_orders_text().find(kCanary) == std::string::npos);
  }

  TEST_CASE("[CardToken] PaymentRequested carries the stored sealed token, not a second seal") {
    // Sealing again cost a third of the crypto per order, and a second ciphertext of the token.
    Fixture f;
    auto id = f.place();
    const auto stored = f.stored_token(id);
    f.rb.inject("inventory", inventory::events::StockReserved{id, {{10, 1}}});
    f.rb.run_until_idle();
    std::vector<std::string> payloads;
    for (const auto& envelope : f.rb.envelopes("orders")) {
      if (envelope.type == orders::events::PaymentRequested::kType) {
        payloads.push_back(envelope.payload);
      }
    }
    REQUIRE(payloads.size() == 1);
    const auto json = boost::json::parse(payloads[0]);
    CHECK(std::string(json.at("payment_token_sealed").as_string()) == stored);
    auto requested = f.rb.published<orders::events::PaymentRequested>("orders");
    REQUIRE(requested.size() == 1);
    CHECK(requested[0].payment_token == kCanary);
  }

  TEST_CASE("[CardToken] the token goes when the order leaves the path to payment") {
    Fixture f;
    SUBCASE("cancelled by the customer while pending") {
      auto id = f.place();
      f.ordering.cancel(id, f.alice, f.trace);
      CHECK(f.stored_token(id).empty());
    }
    SUBCASE("cancelled for want of stock") {
      auto id = f.place();
      f.rb.inject("inventory", inventory::events::StockReservationFailed{id, {{10, 1, 0}}});
      f.rb.run_until_idle();
      REQUIRE(f.ordering.get(id, f.alice).status == orders::Status::cancelled);
      CHECK(f.stored_token(id).empty());
    }
    CHECK(f.rb.published<orders::events::PaymentRequested>("orders").empty());
  }

  TEST_CASE("[CardToken] a pending order placed by an older build, token in the clear, is paid") {
    Fixture f;
    auto id = f.place();
    f.orders_bus.db().write([&](kernel::Connection& c) {
      SQLite::Statement update(c.raw(), "UPDATE orders SET payment_token = ? WHERE id = ?");
      update.bind(1, "tok_visa_legacy");
      update.bind(2, id);
      update.exec();
    });
    f.rb.inject("inventory", inventory::events::StockReserved{id, {{10, 1}}});
    f.rb.run_until_idle();
    auto requested = f.rb.published<orders::events::PaymentRequested>("orders");
    REQUIRE(requested.size() == 1);
    CHECK(requested[0].payment_token == "tok_visa_legacy");
    CHECK(f.stored_token(id).empty());
  }

  TEST_CASE("[CardToken] a token that no longer opens cancels the order instead of charging ''") {
    Fixture f;
    auto id = f.place();
    f.orders_bus.db().write([&](kernel::Connection& c) {
      SQLite::Statement update(c.raw(), "UPDATE orders SET payment_token = ? WHERE id = ?");
      update.bind(1, "sealed.v1.bm90LWEtc2VhbGVkLXRleHQtb2YtdGhpcy1rZXktYXQtYWxs");
      update.bind(2, id);
      update.exec();
    });
    f.rb.inject("inventory", inventory::events::StockReserved{id, {{10, 1}}});
    f.rb.run_until_idle();
    CHECK(f.rb.published<orders::events::PaymentRequested>("orders").empty());
    auto order = f.ordering.get(id, f.alice);
    CHECK(order.status == orders::Status::cancelled);
    CHECK(order.cancel_reason == "payment_declined");
    auto cancelled = f.rb.published<orders::events::OrderCancelled>("orders");
    REQUIRE(cancelled.size() == 1);
    CHECK(cancelled[0].previous_status == "reserved");  // inventory releases the hold
    CHECK(f.stored_token(id).empty());
  }

  TEST_CASE("[CardToken] the timeline shows PaymentRequested without the token, sealed or not") {
    Fixture f;
    auto id = f.place();
    f.rb.inject("inventory", inventory::events::StockReserved{id, {{10, 1}}});
    f.rb.run_until_idle();
    // An event written by an older build, still in the outbox with the token in the clear.
    f.orders_bus.transact({"t", ""}, [&](eventbus::Tx& tx) {
      tx.append("orders.payment_requested.v1", "OrderEvents", std::to_string(id),
                R"({"order_id":)" + std::to_string(id) +
                    R"(,"user_id":1,"amount_cents":250,"currency":"USD","payment_token":")" +
                    std::string(kCanary) + R"("})");
    });
    auto answer = f.timeline(id);
    REQUIRE(answer.status == 200);
    CAPTURE(answer.body);
    CHECK(answer.body.find(kCanary) == std::string::npos);
    CHECK(answer.body.find("payment_token") == std::string::npos);
    CHECK(answer.body.find("sealed.v1.") == std::string::npos);
    int requested = 0;
    const auto shown = boost::json::parse(answer.body);
    for (const auto& event : shown.at("events").as_array()) {
      if (event.at("type") != "orders.payment_requested.v1") continue;
      ++requested;
      CHECK(event.at("data").at("amount_cents") == 250);  // the rest of the event is shown
    }
    CHECK(requested == 2);
  }
}
