#pragma once
// The demo shop's catalogue: a small coffee and kitchen shop, with the stock each product starts
// with. The first product is the one the printed curl command orders.

#include <cstdint>
#include <string>
#include <vector>

namespace mart::seed {

struct DemoProduct {
  std::string name;
  std::string description;
  std::int64_t price_cents = 0;
  std::string sku;
  std::int64_t stock = 0;  // 0: created sold out
};

const std::vector<DemoProduct>& demo_catalog();

}  // namespace mart::seed
