// kill -9 the server again and again while customers place and cancel orders, restart it on the
// same data each time, and check the invariants of design.md once the flow is quiet.

#include "server_process.hpp"

#include "flow_helpers.hpp"
#include "http/client.hpp"
#include "temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>

using namespace mart::test;

namespace {

struct Acknowledged {
  std::int64_t id;
  std::size_t customer;
};

}  // namespace

TEST_SUITE("e2e") {
  TEST_CASE("[e2e] crash: kill -9 during the flow, restart, and no order, unit or cent is lost") {
    TempDir dir;
    const int kProducts = 3;
    const std::int64_t kStock = 40;
    const std::size_t kCustomers = 4;
    std::vector<std::int64_t> products;
    std::vector<HeaderList> customers;
    HeaderList admin;
    {
      ServerProcess server(dir.path(), {}, admin_env());
      HttpClient client(server.port());
      admin = admin_headers(client);
      for (int p = 0; p < kProducts; ++p) {
        products.push_back(
            create_stocked_product(client, admin, "Item " + std::to_string(p), 100 + p, kStock));
      }
      for (std::size_t c = 0; c < kCustomers; ++c) {
        customers.push_back(customer_headers(client, "c" + std::to_string(c) + "@example.com"));
      }
      CHECK(server.terminate() == 0);
    }

    std::mutex mutex;
    std::vector<Acknowledged> acknowledged;
    for (int round = 0; round < 3; ++round) {
      CAPTURE(round);
      ServerProcess server(dir.path(), {"--payments-simulated-latency-ms", "2"}, admin_env());
      std::atomic<bool> stop{false};
      std::vector<std::thread> shoppers;
      for (std::size_t c = 0; c < kCustomers; ++c) {
        shoppers.emplace_back([&, c] {
          std::mt19937 random(static_cast<unsigned>(round * 100 + static_cast<int>(c)));
          HttpClient client(server.port(), std::chrono::milliseconds(2000));
          while (!stop.load()) {
            try {
              auto product = products[random() % products.size()];
              auto token = random() % 5 == 0 ? "tok_decline_card" : "tok_visa";
              auto r = client.post("/api/v1/orders",
                                   order_body(product, 1 + static_cast<int>(random() % 3), token),
                                   customers[c]);
              if (r.status != 201) continue;
              auto id = r.json().at("id").as_int64();
              {
                std::lock_guard lock(mutex);
                acknowledged.push_back({id, c});
              }
              if (random() % 4 == 0) {
                client.post("/api/v1/orders/" + std::to_string(id) + "/cancel", "", customers[c]);
              }
            } catch (const std::exception&) {
              return;  // the server died under us
            }
          }
        });
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(700 + 300 * round));
      server.kill9();
      stop = true;
      for (auto& t : shoppers) t.join();
    }
    REQUIRE(acknowledged.size() > 20);

    ServerProcess server(dir.path(), {}, admin_env());
    HttpClient client(server.port());
    // Every acknowledged order finishes on its own...
    for (const auto& ack : acknowledged) {
      wait_for_status(client, admin, ack.id, {"confirmed", "cancelled"});
    }
    // ...and so does every order the server stored (a 201 may have died with the server).
    std::map<std::int64_t, boost::json::value> final_orders;
    std::optional<std::string> next;
    do {
      auto page =
          client
              .get("/api/v1/orders?limit=100" + (next ? "&cursor=" + *next : std::string()), admin)
              .json();
      for (const auto& order : page.at("items").as_array()) {
        auto id = order.at("id").as_int64();
        final_orders[id] = wait_for_status(client, admin, id, {"confirmed", "cancelled"});
      }
      next.reset();
      if (page.at("next_cursor").is_string())
        next = std::string(page.at("next_cursor").as_string());
    } while (next);
    CHECK(final_orders.size() >= acknowledged.size());

    // Stock is conserved and nothing stays held.
    std::map<std::int64_t, std::int64_t> sold_by_orders;
    for (const auto& [id, order] : final_orders) {
      if (order.at("status") != "confirmed") continue;
      for (const auto& line : order.at("items").as_array()) {
        sold_by_orders[line.at("product_id").as_int64()] += line.at("quantity").as_int64();
      }
    }
    for (auto product : products) {
      CAPTURE(product);
      auto stock = stock_of(client, product);
      auto available = stock.at("available").as_int64();
      auto reserved = stock.at("reserved").as_int64();
      auto sold = stock.at("sold").as_int64();
      CHECK(available >= 0);
      CHECK(reserved == 0);
      CHECK(available + reserved + sold == kStock);
      CHECK(sold == sold_by_orders[product]);
    }

    // Payments: one succeeded payment of the total per confirmed order; none left on a cancelled.
    for (const auto& [id, order] : final_orders) {
      CAPTURE(id);
      auto payments = client.get("/api/v1/payments?order_id=" + std::to_string(id), admin)
                          .json()
                          .at("items")
                          .as_array();
      int succeeded = 0;
      for (const auto& p : payments) {
        if (p.at("status") == "succeeded") {
          ++succeeded;
          CHECK(p.at("amount_cents") == order.at("total_cents"));
        }
      }
      if (order.at("status") == "confirmed") CHECK(succeeded == 1);
      if (order.at("status") == "cancelled") CHECK(succeeded == 0);
      CHECK(payments.size() <= 1);
    }

    // Notifications: never two for the same (event, order).
    for (const auto& customer : customers) {
      std::set<std::pair<std::string, std::int64_t>> seen;
      std::optional<std::string> cursor;
      do {
        auto page = client
                        .get("/api/v1/notifications?limit=100" +
                                 (cursor ? "&cursor=" + *cursor : std::string()),
                             customer)
                        .json();
        for (const auto& n : page.at("items").as_array()) {
          auto key = std::make_pair(std::string(n.at("event_type").as_string()),
                                    n.at("order_id").as_int64());
          CHECK_MESSAGE(seen.insert(key).second,
                        "duplicate notification " << key.first << " " << key.second);
        }
        cursor.reset();
        if (page.at("next_cursor").is_string())
          cursor = std::string(page.at("next_cursor").as_string());
      } while (cursor);
    }
    auto dead = client.get("/api/v1/admin/dead-letters", admin).json();
    CHECK(dead.at("items").as_array().empty());
  }
}
