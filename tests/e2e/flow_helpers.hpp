#pragma once
// Steps of the order-flow end-to-end tests: a shop with stock, customers, waiting for the flow.

#include "api_helpers.hpp"
#include "timing.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace mart::test {

inline std::int64_t create_stocked_product(HttpClient& client, const HeaderList& admin,
                                           const std::string& name, std::int64_t price_cents,
                                           std::int64_t stock) {
  auto created = client.post(
      "/api/v1/products",
      R"({"name":")" + name + R"(","price_cents":)" + std::to_string(price_cents) + "}", admin);
  REQUIRE(created.status == 201);
  auto id = created.json().at("id").as_int64();
  auto path = "/api/v1/inventory/" + std::to_string(id);
  // The stock record appears once inventory has handled ProductCreated.
  REQUIRE(eventually([&] { return client.get(path).status == 200; }));
  if (stock > 0) {
    auto adjusted =
        client.post(path + "/adjustments",
                    R"({"delta":)" + std::to_string(stock) + R"(,"reason":"restock"})", admin);
    REQUIRE(adjusted.status == 200);
  }
  return id;
}

inline std::string order_body(std::int64_t product_id, std::int64_t quantity,
                              const std::string& token = "tok_visa") {
  return R"({"items":[{"product_id":)" + std::to_string(product_id) + R"(,"quantity":)" +
         std::to_string(quantity) + R"(}],"payment_token":")" + token + R"("})";
}

inline boost::json::value wait_for_status(HttpClient& client, const HeaderList& who,
                                          std::int64_t order_id,
                                          const std::vector<std::string>& statuses) {
  boost::json::value order;
  bool reached = eventually([&] {
    auto r = client.get("/api/v1/orders/" + std::to_string(order_id), who);
    if (r.status != 200) return false;
    order = r.json();
    for (const auto& s : statuses) {
      if (order.at("status") == s.c_str()) return true;
    }
    return false;
  });
  CHECK_MESSAGE(reached, "order " << order_id << " stuck at " << order);
  return order;
}

inline boost::json::value stock_of(HttpClient& client, std::int64_t product_id) {
  return client.get("/api/v1/inventory/" + std::to_string(product_id)).json();
}

}  // namespace mart::test
