// Split mode against the real binary: three processes (users+products, orders+payments,
// inventory+notifications), each with its own data directory, meeting through a mock Kafka
// broker, and a fourth that hosts no module and forwards every request — the order flow, the
// race for the last units and kill -9 of one process mid-flow, with the same invariants as the
// monolith.

#include "split_deployment.hpp"

#include "http/client.hpp"
#include "invariants.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <memory>

using namespace mart::test;

namespace {

void check_no_dead_letters(const SplitDeployment& split, const HeaderList& admin) {
  for (auto port : split.module_ports()) {
    HttpClient direct(port);
    auto dead = direct.get("/api/v1/admin/dead-letters", admin).json();
    CHECK(dead.at("items").as_array().empty());
  }
}

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] split: the order flow works unchanged across three processes and Kafka") {
    SplitDeployment split;
    HttpClient client(split.port());
    auto admin = admin_headers(client);
    auto mug = create_stocked_product(client, admin, "Split mug", 1200, 3);
    auto pot = create_stocked_product(client, admin, "Split pot", 3000, 1);
    auto customer = customer_headers(client, "split@example.com");

    // Happy path, then shipping.
    auto happy = client.post("/api/v1/orders", order_body(mug, 1), customer);
    REQUIRE(happy.status == 201);
    auto happy_id = happy.json().at("id").as_int64();
    auto confirmed = wait_for_status(client, customer, happy_id, {"confirmed"});
    CHECK(confirmed.at("total_cents") == 1200);
    CHECK(client.post("/api/v1/orders/" + std::to_string(happy_id) + "/ship", "", admin).status ==
          200);

    // A declined payment cancels and gives the stock back.
    auto declined = client.post("/api/v1/orders", order_body(mug, 1, "tok_decline_card"), customer);
    REQUIRE(declined.status == 201);
    auto cancelled =
        wait_for_status(client, customer, declined.json().at("id").as_int64(), {"cancelled"});
    CHECK(cancelled.at("cancel_reason") == "payment_declined");

    // A multi-line order with one short line reserves nothing.
    auto short_line = client.post("/api/v1/orders",
                                  R"({"items":[{"product_id":)" + std::to_string(mug) +
                                      R"(,"quantity":1},{"product_id":)" + std::to_string(pot) +
                                      R"(,"quantity":2}],"payment_token":"tok_visa"})",
                                  customer);
    REQUIRE(short_line.status == 201);
    auto out_of_stock =
        wait_for_status(client, customer, short_line.json().at("id").as_int64(), {"cancelled"});
    CHECK(out_of_stock.at("cancel_reason") == "out_of_stock");

    // Cancel after payment: refunded, stock back.
    auto paid = client.post("/api/v1/orders", order_body(pot, 1), customer);
    REQUIRE(paid.status == 201);
    auto paid_id = paid.json().at("id").as_int64();
    wait_for_status(client, customer, paid_id, {"confirmed"});
    CHECK(
        client.post("/api/v1/orders/" + std::to_string(paid_id) + "/cancel", "", customer).status ==
        200);
    CHECK(eventually([&] {
      auto payments = client.get("/api/v1/payments?order_id=" + std::to_string(paid_id), customer)
                          .json()
                          .at("items")
                          .as_array();
      return payments.size() == 1 && payments[0].at("status") == "refunded";
    }));
    CHECK(eventually([&] {
      auto stock = stock_of(client, pot);
      return stock.at("available") == 1 && stock.at("reserved") == 0 && stock.at("sold") == 0;
    }));
    CHECK(eventually([&] {
      auto stock = stock_of(client, mug);
      return stock.at("available") == 2 && stock.at("reserved") == 0 && stock.at("sold") == 1;
    }));
    // Notifications (another process) saw the flow: placed, confirmed, shipped for the first.
    CHECK(eventually([&] {
      auto items =
          client.get("/api/v1/notifications?limit=100", customer).json().at("items").as_array();
      int for_happy = 0;
      for (const auto& n : items) for_happy += n.at("order_id") == happy_id ? 1 : 0;
      return for_happy >= 3;
    }));
    // The products process learned the stock: the pot is in stock again.
    CHECK(eventually([&] {
      return client.get("/api/v1/products/" + std::to_string(pot)).json().at("in_stock") == true;
    }));
    check_no_dead_letters(split, admin);
  }

  TEST_CASE(
      "[e2e] split: a password change or a logout ends the token within a second on a process "
      "without users too") {
    using namespace std::chrono_literals;
    SplitDeployment split;
    HttpClient client(split.port());                // the forwarding gateway: users answers
    HttpClient orders(split.module_ports().at(1));  // orders+payments, no users module
    const std::string email = "revoked@example.com";
    auto old = customer_headers(client, email, "first-password");
    auto other = bearer(login(client, email, "first-password"));
    auto orders_status = [&](const HeaderList& token) {
      return orders.get("/api/v1/orders", token).status;
    };
    CHECK(orders_status(old) == 200);  // remembered by the orders process's gateway
    // How long after the change the orders process refuses `token` (bounded at 5 s).
    auto refused_within = [&](const HeaderList& token) {
      auto start = std::chrono::steady_clock::now();
      bool refused = eventually([&] { return orders_status(token) == 401; }, 5s);
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      MESSAGE((refused ? "refused after " : "still accepted after ") << took.count() << " ms");
      return refused ? took : std::chrono::milliseconds::max();
    };

    REQUIRE(client
                .post("/api/v1/users/me/password",
                      R"({"current_password":"first-password","new_password":"second-password"})",
                      old)
                .status == 204);
    // The 1 s principal cache, plus the users outbox -> Kafka -> follower path.
    CHECK(refused_within(old) <= 1500ms);
    CHECK(orders_status(other) == 401);  // every older token of the account
    auto fresh = bearer(login(client, email, "second-password"));
    auto kept = bearer(login(client, email, "second-password"));
    CHECK(orders_status(fresh) == 200);
    CHECK(orders_status(kept) == 200);

    REQUIRE(client.post("/api/v1/auth/logout", "", fresh).status == 204);
    CHECK(refused_within(fresh) <= 1500ms);
    CHECK(orders_status(kept) == 200);  // a logout ends that token only
  }

  TEST_CASE("[e2e] split: many customers racing for the last units sell exactly the stock") {
    SplitDeployment split;
    HttpClient client(split.port());
    auto admin = admin_headers(client);
    const std::int64_t kStock = 5;
    auto product = create_stocked_product(client, admin, "Last units", 999, kStock);
    std::vector<HeaderList> customers;
    for (int c = 0; c < 12; ++c) {
      customers.push_back(customer_headers(client, "race" + std::to_string(c) + "@example.com"));
    }
    std::vector<std::int64_t> ids(customers.size());
    std::vector<std::thread> racers;
    for (std::size_t c = 0; c < customers.size(); ++c) {
      racers.emplace_back([&, c] {
        HttpClient own(split.port());
        auto r = own.post("/api/v1/orders", order_body(product, 1), customers[c]);
        if (r.status == 201) ids[c] = r.json().at("id").as_int64();
      });
    }
    for (auto& t : racers) t.join();
    int confirmed = 0;
    for (std::size_t c = 0; c < customers.size(); ++c) {
      REQUIRE(ids[c] > 0);
      auto order = wait_for_status(client, customers[c], ids[c], {"confirmed", "cancelled"});
      if (order.at("status") == "confirmed") ++confirmed;
    }
    CHECK(confirmed == kStock);
    CHECK(eventually([&] {
      auto stock = stock_of(client, product);
      return stock.at("sold") == kStock && stock.at("available") == 0 && stock.at("reserved") == 0;
    }));
  }

  TEST_CASE("[e2e] split: kill -9 of orders+payments mid-flow, restarted, loses nothing") {
    SplitDeployment split;
    HttpClient setup(split.port());
    auto admin = admin_headers(setup);
    auto shop = open_shop(setup, admin, 3, 4, 40);
    std::vector<std::int64_t> acknowledged;
    for (unsigned round = 0; round < 2; ++round) {
      CAPTURE(round);
      Shoppers shoppers(shop, split.port(), round);
      std::this_thread::sleep_for(std::chrono::milliseconds(1000 + 500 * round));
      split.kill_orders_payments();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      shoppers.stop();
      auto placed = shoppers.acknowledged();
      acknowledged.insert(acknowledged.end(), placed.begin(), placed.end());
      split.restart_orders_payments();
    }
    REQUIRE(acknowledged.size() > 10);
    HttpClient client(split.port());
    check_flow_invariants(client, admin, shop, acknowledged);
    check_no_dead_letters(split, admin);
  }
}
