#pragma once
// Load that places and cancels orders from several customers, and the invariants of design.md
// checked once the flow is quiet — shared by the crash tests of the monolith and of split mode.

#include "flow_helpers.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

namespace mart::test {

struct Shop {
  std::vector<std::int64_t> products;
  std::int64_t stock_each = 0;
  std::vector<HeaderList> customers;
};

// A shop on a running server: `products` stocked with `stock` each, and `customers` signed in.
inline Shop open_shop(HttpClient& client, const HeaderList& admin, int products, int customers,
                      std::int64_t stock) {
  Shop shop;
  shop.stock_each = stock;
  for (int p = 0; p < products; ++p) {
    shop.products.push_back(
        create_stocked_product(client, admin, "Item " + std::to_string(p), 100 + p, stock));
  }
  for (int c = 0; c < customers; ++c) {
    shop.customers.push_back(customer_headers(client, "c" + std::to_string(c) + "@example.com"));
  }
  return shop;
}

// Customers placing orders (one in five declined, one in four cancelled right away) against
// 127.0.0.1:port until stopped or until the server stops answering.
class Shoppers {
 public:
  Shoppers(const Shop& shop, std::uint16_t port, unsigned seed) {
    for (std::size_t c = 0; c < shop.customers.size(); ++c) {
      threads_.emplace_back([this, &shop, port, seed, c] {
        std::mt19937 random(seed * 100 + static_cast<unsigned>(c));
        HttpClient client(port, std::chrono::milliseconds(2000));
        while (!stop_.load()) {
          try {
            auto product = shop.products[random() % shop.products.size()];
            auto token = random() % 5 == 0 ? "tok_decline_card" : "tok_visa";
            auto r = client.post("/api/v1/orders",
                                 order_body(product, 1 + static_cast<int>(random() % 3), token),
                                 shop.customers[c]);
            if (r.status != 201) continue;
            auto id = r.json().at("id").as_int64();
            {
              std::lock_guard lock(mutex_);
              acknowledged_.push_back(id);
            }
            if (random() % 4 == 0) {
              client.post("/api/v1/orders/" + std::to_string(id) + "/cancel", "",
                          shop.customers[c]);
            }
          } catch (const std::exception&) {
            return;  // the server died under us
          }
        }
      });
    }
  }
  ~Shoppers() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  std::vector<std::int64_t> acknowledged() {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<std::int64_t> acknowledged_;
  std::vector<std::thread> threads_;
};

// Every acknowledged (and every stored) order reaches confirmed or cancelled on its own; stock is
// conserved with nothing left reserved; one succeeded payment of the total per confirmed order
// and none on a cancelled one; never two notifications for one (event, order).
inline void check_flow_invariants(HttpClient& client, const HeaderList& admin, const Shop& shop,
                                  const std::vector<std::int64_t>& acknowledged) {
  for (auto id : acknowledged) {
    auto order = client.get("/api/v1/orders/" + std::to_string(id), admin);
    CHECK_MESSAGE(order.status == 200, "acknowledged order " << id << " is gone");
  }
  std::map<std::int64_t, boost::json::value> final_orders;
  std::optional<std::string> next;
  do {
    auto page =
        client.get("/api/v1/orders?limit=100" + (next ? "&cursor=" + *next : std::string()), admin)
            .json();
    for (const auto& order : page.at("items").as_array()) {
      auto id = order.at("id").as_int64();
      final_orders[id] = wait_for_status(client, admin, id, {"confirmed", "cancelled"});
    }
    next.reset();
    if (page.at("next_cursor").is_string()) next = std::string(page.at("next_cursor").as_string());
  } while (next);
  CHECK(final_orders.size() >= acknowledged.size());

  std::map<std::int64_t, std::int64_t> sold_by_orders;
  for (const auto& [id, order] : final_orders) {
    if (order.at("status") != "confirmed") continue;
    for (const auto& line : order.at("items").as_array()) {
      sold_by_orders[line.at("product_id").as_int64()] += line.at("quantity").as_int64();
    }
  }
  for (auto product : shop.products) {
    CAPTURE(product);
    // Inventory may still be settling the last confirmations and cancellations.
    bool settled = eventually([&] {
      auto stock = stock_of(client, product);
      return stock.at("reserved").as_int64() == 0 &&
             stock.at("sold").as_int64() == sold_by_orders[product];
    });
    auto stock = stock_of(client, product);
    CHECK(settled);
    auto available = stock.at("available").as_int64();
    auto reserved = stock.at("reserved").as_int64();
    auto sold = stock.at("sold").as_int64();
    CHECK(available >= 0);
    CHECK(reserved == 0);
    CHECK(available + reserved + sold == shop.stock_each);
    CHECK(sold == sold_by_orders[product]);
  }

  for (const auto& entry : final_orders) {
    const std::int64_t id = entry.first;  // not a structured binding: CAPTURE captures it
    const auto& order = entry.second;
    CAPTURE(id);
    auto body = client.get("/api/v1/payments?order_id=" + std::to_string(id), admin).json();
    const auto& payments = body.at("items").as_array();
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

  for (const auto& customer : shop.customers) {
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
      if (page.at("next_cursor").is_string()) {
        cursor = std::string(page.at("next_cursor").as_string());
      }
    } while (cursor);
  }
}

}  // namespace mart::test
