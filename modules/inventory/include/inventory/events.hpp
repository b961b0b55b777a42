#pragma once
// Inventory's published language (topic InventoryEvents). Other modules may include this header
// and nothing else of inventory.

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace inventory::events {

inline constexpr std::string_view kTopic = "InventoryEvents";

// The stock of one product changed (adjustment, reservation, release or sale).
struct StockLevelChanged {
  static constexpr std::string_view kType = "inventory.stock_level_changed.v1";
  static constexpr std::string_view kTopic = events::kTopic;
  std::int64_t product_id = 0;
  std::int64_t available = 0;
  std::int64_t reserved = 0;
  std::int64_t sold = 0;
  std::string key() const { return std::to_string(product_id); }
};
BOOST_DESCRIBE_STRUCT(StockLevelChanged, (), (product_id, available, reserved, sold))

}  // namespace inventory::events
