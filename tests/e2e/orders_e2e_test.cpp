// The order flow end to end: the real binary, real HTTP, all six modules and the durable bus.

#include "server_process.hpp"

#include "flow_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

using namespace mart::test;

namespace {

struct Shop {
  TempDir dir;
  ServerProcess server;
  HttpClient client;
  HeaderList admin;
  HeaderList customer;
  explicit Shop(const std::vector<std::string>& args = {})
      : server(dir.path(), args, admin_env()),
        client(server.port()),
        admin(admin_headers(client)),
        customer(customer_headers(client, "customer@example.com")) {}

  std::int64_t place(const std::string& body, const HeaderList& who) {
    auto r = client.post("/api/v1/orders", body, who);
    REQUIRE(r.status == 201);
    CHECK(r.json().at("status") == "pending");
    return r.json().at("id").as_int64();
  }
  boost::json::value payments_of(std::int64_t order_id) {
    return client.get("/api/v1/payments?order_id=" + std::to_string(order_id), admin)
        .json()
        .at("items");
  }
  std::vector<std::string> notification_types(const HeaderList& who) {
    std::vector<std::string> out;
    auto page = client.get("/api/v1/notifications?limit=100", who).json();
    for (const auto& n : page.at("items").as_array()) {
      out.emplace_back(n.at("event_type").as_string());
    }
    return out;
  }
};

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] orders: the happy path confirms, charges, sells, notifies; then ships") {
    Shop shop;
    auto tea = create_stocked_product(shop.client, shop.admin, "Tea", 450, 10);
    auto id = shop.place(order_body(tea, 2), shop.customer);
    auto order = wait_for_status(shop.client, shop.customer, id, {"confirmed"});
    CHECK(order.at("total_cents") == 900);
    CHECK(order.at("items").as_array()[0].at("unit_price_cents") == 450);
    CHECK(order.at("cancel_reason").is_null());

    // Inventory moves the reservation to sold when it handles OrderConfirmed, after orders
    // confirmed the order: a moment later, not in the same transaction.
    CHECK(eventually([&] { return stock_of(shop.client, tea).at("sold") == 2; }));
    auto stock = stock_of(shop.client, tea);
    CHECK(stock.at("available") == 8);
    CHECK(stock.at("reserved") == 0);
    CHECK(stock.at("sold") == 2);
    auto payments = shop.payments_of(id);
    REQUIRE(payments.as_array().size() == 1);
    CHECK(payments.as_array()[0].at("status") == "succeeded");
    CHECK(payments.as_array()[0].at("amount_cents") == 900);
    CHECK(eventually([&] {
      auto types = shop.notification_types(shop.customer);
      return has(types, "orders.order_placed.v2") && has(types, "orders.order_confirmed.v1");
    }));
    CHECK(eventually([&] {
      return shop.client.get("/api/v1/products/" + std::to_string(tea)).json().at("in_stock") ==
             true;
    }));

    CHECK(shop.client.post("/api/v1/orders/" + std::to_string(id) + "/ship", "", shop.customer)
              .status == 403);
    auto shipped =
        shop.client.post("/api/v1/orders/" + std::to_string(id) + "/ship", "", shop.admin);
    CHECK(shipped.status == 200);
    CHECK(shipped.json().at("status") == "shipped");
    CHECK(shop.client.post("/api/v1/orders/" + std::to_string(id) + "/cancel", "", shop.customer)
              .status == 409);
    CHECK(
        shop.client.post("/api/v1/orders/" + std::to_string(id) + "/ship", "", shop.admin).status ==
        409);
    CHECK(eventually(
        [&] { return has(shop.notification_types(shop.customer), "orders.order_shipped.v1"); }));

    auto timeline =
        shop.client.get("/api/v1/orders/" + std::to_string(id) + "/events", shop.customer);
    REQUIRE(timeline.status == 200);
    std::vector<std::string> types;
    auto timeline_json = timeline.json();
    for (const auto& e : timeline_json.at("events").as_array()) {
      types.emplace_back(e.at("type").as_string());
    }
    REQUIRE(types.size() >= 6);
    CHECK(types[0] == "orders.order_placed.v2");
    CHECK(types[1] == "inventory.stock_reserved.v1");
    CHECK(types[2] == "orders.payment_requested.v1");
    CHECK(types[3] == "payments.payment_succeeded.v1");
    CHECK(types[4] == "orders.order_confirmed.v1");
    CHECK(has(types, "inventory.stock_committed.v1"));
    CHECK(types.back() == "orders.order_shipped.v1");
    auto first = timeline_json.at("events").as_array()[0];
    CHECK(first.at("source") == "orders");
    CHECK(!first.at("handled_by").as_array().empty());
  }

  TEST_CASE("[e2e] orders: a declined payment cancels and gives the stock back") {
    Shop shop;
    auto tea = create_stocked_product(shop.client, shop.admin, "Tea", 100, 5);
    auto id = shop.place(order_body(tea, 3, "tok_decline_insufficient"), shop.customer);
    auto order = wait_for_status(shop.client, shop.customer, id, {"cancelled"});
    CHECK(order.at("cancel_reason") == "payment_declined");
    CHECK(eventually([&] { return stock_of(shop.client, tea).at("available") == 5; }));
    CHECK(stock_of(shop.client, tea).at("reserved") == 0);
    CHECK(shop.payments_of(id).as_array()[0].at("status") == "failed");
    CHECK(eventually([&] {
      auto types = shop.notification_types(shop.customer);
      return has(types, "payments.payment_failed.v1") && has(types, "orders.order_cancelled.v1");
    }));
  }

  TEST_CASE(
      "[e2e] orders: out of stock, and a multi-line order with one short line holds nothing") {
    Shop shop;
    auto tea = create_stocked_product(shop.client, shop.admin, "Tea", 100, 5);
    auto mug = create_stocked_product(shop.client, shop.admin, "Mug", 900, 1);
    auto single = shop.place(order_body(tea, 6), shop.customer);
    CHECK(wait_for_status(shop.client, shop.customer, single, {"cancelled"}).at("cancel_reason") ==
          "out_of_stock");
    auto multi = shop.place(R"({"items":[{"product_id":)" + std::to_string(tea) +
                                R"(,"quantity":2},{"product_id":)" + std::to_string(mug) +
                                R"(,"quantity":2}],"payment_token":"tok_visa"})",
                            shop.customer);
    CHECK(wait_for_status(shop.client, shop.customer, multi, {"cancelled"}).at("cancel_reason") ==
          "out_of_stock");
    CHECK(stock_of(shop.client, tea).at("available") == 5);
    CHECK(stock_of(shop.client, mug).at("available") == 1);
    CHECK(stock_of(shop.client, tea).at("reserved") == 0);
    CHECK(shop.payments_of(multi).as_array().empty());
  }

  TEST_CASE("[e2e] orders: cancel before payment releases; cancel after payment refunds") {
    Shop shop({"--payments-simulated-latency-ms", "300"});
    auto tea = create_stocked_product(shop.client, shop.admin, "Tea", 100, 10);
    auto early = shop.place(order_body(tea, 2), shop.customer);
    auto cancelled =
        shop.client.post("/api/v1/orders/" + std::to_string(early) + "/cancel", "", shop.customer);
    CHECK(cancelled.status == 200);
    CHECK(cancelled.json().at("status") == "cancelled");
    CHECK(cancelled.json().at("cancel_reason") == "customer_request");

    auto late = shop.place(order_body(tea, 3), shop.customer);
    wait_for_status(shop.client, shop.customer, late, {"confirmed"});
    auto refund =
        shop.client.post("/api/v1/orders/" + std::to_string(late) + "/cancel", "", shop.customer);
    CHECK(refund.status == 200);
    CHECK(eventually([&] {
      auto payments = shop.payments_of(late).as_array();
      return payments.size() == 1 && payments[0].at("status") == "refunded";
    }));
    // Everything is back: nothing held, nothing sold, and no payment left standing.
    CHECK(eventually([&] {
      auto stock = stock_of(shop.client, tea);
      return stock.at("available") == 10 && stock.at("reserved") == 0 && stock.at("sold") == 0;
    }));
    CHECK(eventually([&] {
      auto payments = shop.payments_of(early).as_array();
      return payments.empty() || payments[0].at("status") != "succeeded";
    }));
    CHECK(eventually([&] {
      return has(shop.notification_types(shop.customer), "payments.payment_refunded.v1");
    }));
  }

  TEST_CASE("[e2e] orders: validation, ownership, Idempotency-Key") {
    Shop shop;
    auto tea = create_stocked_product(shop.client, shop.admin, "Tea", 100, 10);
    auto other = customer_headers(shop.client, "other@example.com");
    CHECK(shop.client.post("/api/v1/orders", order_body(tea, 1)).status == 401);
    CHECK(shop.client.post("/api/v1/orders", R"({"items":[],"payment_token":"t"})", shop.customer)
              .status == 422);
    CHECK(shop.client.post("/api/v1/orders", order_body(tea, 0), shop.customer).status == 422);
    CHECK(shop.client.post("/api/v1/orders", order_body(999999, 1), shop.customer).status == 422);
    CHECK(
        shop.client.post("/api/v1/orders", R"({"items":"tea","payment_token":"t"})", shop.customer)
            .status == 422);
    CHECK(
        shop.client
            .post("/api/v1/orders", R"({"items":[{"product_id":"x","quantity":1}]})", shop.customer)
            .status == 422);

    auto keyed = shop.customer;
    keyed.emplace_back("Idempotency-Key", "order-once-1");
    auto first = shop.client.post("/api/v1/orders", order_body(tea, 1), keyed);
    REQUIRE(first.status == 201);
    auto again = shop.client.post("/api/v1/orders", order_body(tea, 1), keyed);
    CHECK(again.status == 201);
    CHECK(again.json().at("id") == first.json().at("id"));
    CHECK(again.body == first.body);
    CHECK(shop.client.post("/api/v1/orders", order_body(tea, 2), keyed).status == 409);
    auto other_keyed = other;
    other_keyed.emplace_back("Idempotency-Key", "order-once-1");  // keys are per user
    CHECK(shop.client.post("/api/v1/orders", order_body(tea, 1), other_keyed).json().at("id") !=
          first.json().at("id"));

    auto id = first.json().at("id").as_int64();
    auto path = "/api/v1/orders/" + std::to_string(id);
    CHECK(shop.client.get(path, other).status == 404);
    CHECK(shop.client.get(path + "/events", other).status == 404);
    CHECK(shop.client.post(path + "/cancel", "", other).status == 404);
    CHECK(shop.client.get(path, shop.admin).status == 200);
    auto mine = shop.client.get("/api/v1/orders", other).json().at("items").as_array();
    CHECK(mine.size() == 1);
    auto all = shop.client.get("/api/v1/orders?limit=1", shop.admin).json();
    CHECK(all.at("items").as_array().size() == 1);
    CHECK(all.at("next_cursor").is_string());
    CHECK(shop.client.get("/api/v1/orders?status=lost", shop.customer).status == 422);

    // A deleted product cannot be ordered any more.
    CHECK(shop.client.del("/api/v1/products/" + std::to_string(tea), shop.admin).status == 204);
    CHECK(eventually([&] {
      return shop.client.post("/api/v1/orders", order_body(tea, 1), shop.customer).status == 422;
    }));
  }

  TEST_CASE("[e2e] orders: many customers racing for the last units sell exactly the stock") {
    Shop shop;
    auto tea = create_stocked_product(shop.client, shop.admin, "Last tea", 100, 5);
    const int kCustomers = 16;
    std::vector<HeaderList> customers;
    for (int i = 0; i < kCustomers; ++i) {
      customers.push_back(
          customer_headers(shop.client, "racer" + std::to_string(i) + "@example.com"));
    }
    std::vector<std::int64_t> ids(kCustomers, 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < kCustomers; ++i) {
      threads.emplace_back([&, i] {
        HttpClient client(shop.server.port());
        auto r = client.post("/api/v1/orders", order_body(tea, 1),
                             customers[static_cast<std::size_t>(i)]);
        if (r.status == 201) ids[static_cast<std::size_t>(i)] = r.json().at("id").as_int64();
      });
    }
    for (auto& t : threads) t.join();
    int confirmed = 0;
    int out_of_stock = 0;
    for (int i = 0; i < kCustomers; ++i) {
      REQUIRE(ids[static_cast<std::size_t>(i)] > 0);
      auto order = wait_for_status(shop.client, customers[static_cast<std::size_t>(i)],
                                   ids[static_cast<std::size_t>(i)], {"confirmed", "cancelled"});
      if (order.at("status") == "confirmed") ++confirmed;
      if (order.at("cancel_reason") == "out_of_stock") ++out_of_stock;
    }
    CHECK(confirmed == 5);
    CHECK(out_of_stock == kCustomers - 5);
    // The last confirmations' reservations become sold a moment after the orders are confirmed.
    CHECK(eventually([&] { return stock_of(shop.client, tea).at("sold") == 5; }));
    auto stock = stock_of(shop.client, tea);
    CHECK(stock.at("available") == 0);
    CHECK(stock.at("reserved") == 0);
    CHECK(stock.at("sold") == 5);
  }
}
